"""The measurements the checks' rules are made of: data, label and column statistics,
non-finite counts, duplicate rows, training statistics and curves, the model analysis.

Measurements never judge: they return numbers and summaries (cached per subject in
``subject.cache``) and the rules in ``kepler_jupyter.checks`` decide what is a finding. They
import ``checks.base`` (for ``CheckSubject``) and ``kepler_jupyter.models``, never a rule.
"""
