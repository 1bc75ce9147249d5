"""scikit-learn specific checks: unscaled features for scale-sensitive estimators (K320),
imbalance without ``class_weight`` (K321), and convergence warnings turned into findings (K110).

Estimators are recognised by class name, so this module never imports scikit-learn itself
(the catalogue and ``%kepler checks`` load it in kernels that never use scikit-learn).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from kepler_jupyter.checks.base import Check, CheckSubject, Finding
from kepler_jupyter.checks.data_labels import imbalance_findings
from kepler_jupyter.checks.measure.column_stats import column_stats
from kepler_jupyter.checks.measure.fit_facts import estimator_params, fit_is_weighted
from kepler_jupyter.models.sklearn_steps import pipeline_steps

#: estimators whose results change when one feature is multiplied by a constant
SCALE_SENSITIVE = frozenset({
    "SVC", "NuSVC", "SVR", "NuSVR", "LinearSVC", "LinearSVR", "OneClassSVM",
    "KNeighborsClassifier", "KNeighborsRegressor", "RadiusNeighborsClassifier",
    "RadiusNeighborsRegressor", "NearestNeighbors", "NearestCentroid", "KNNImputer",
    "LogisticRegression", "LogisticRegressionCV", "RidgeClassifier", "RidgeClassifierCV", "Ridge",
    "RidgeCV", "Lasso", "LassoCV", "ElasticNet", "ElasticNetCV", "LassoLars", "LassoLarsCV",
    "LassoLarsIC", "MultiTaskLasso", "MultiTaskElasticNet", "HuberRegressor", "QuantileRegressor",
    "SGDClassifier", "SGDRegressor", "SGDOneClassSVM", "Perceptron", "PassiveAggressiveClassifier",
    "PassiveAggressiveRegressor", "MLPClassifier", "MLPRegressor", "KernelRidge",
    "GaussianProcessClassifier", "GaussianProcessRegressor", "PCA", "KernelPCA", "IncrementalPCA",
    "KMeans", "MiniBatchKMeans", "BisectingKMeans", "DBSCAN", "HDBSCAN", "OPTICS", "MeanShift",
    "AgglomerativeClustering", "SpectralClustering", "Birch", "TSNE", "Isomap",
    "LocallyLinearEmbedding", "SpectralEmbedding", "MDS", "Nystroem", "RBFSampler",
    # penalised or prior-on-weights linear models
    "BayesianRidge", "ARDRegression", "GammaRegressor", "PoissonRegressor", "TweedieRegressor",
    "MultiTaskElasticNetCV", "MultiTaskLassoCV", "OrthogonalMatchingPursuit",
    "OrthogonalMatchingPursuitCV",
    # distances and kernels
    "AffinityPropagation", "FeatureAgglomeration", "SpectralBiclustering", "SpectralCoclustering",
    "KNeighborsTransformer", "RadiusNeighborsTransformer", "KernelDensity", "LocalOutlierFactor",
    "NeighborhoodComponentsAnalysis", "LabelPropagation", "LabelSpreading", "ClassicalMDS",
    "AdditiveChi2Sampler", "SkewedChi2Sampler", "PolynomialCountSketch", "BernoulliRBM",
    # variance-driven decompositions and shrunk covariances
    "TruncatedSVD", "SparsePCA", "MiniBatchSparsePCA", "DictionaryLearning",
    "MiniBatchDictionaryLearning", "SparseCoder", "GraphicalLasso", "GraphicalLassoCV",
    "LedoitWolf", "OAS", "ShrunkCovariance",
})
#: estimators of the families above whose result does not depend on each feature's unit: they
#: scale or whiten the data themselves, are affine-equivariant, unpenalised, or meant for counts.
#: ``tests/checks/test_sklearn_scale_families.py`` fails when scikit-learn adds an estimator to
#: one of these families that neither list names: that is how the lists are kept.
SCALE_INVARIANT = frozenset({
    "LinearRegression", "Lars", "LarsCV", "RANSACRegressor", "TheilSenRegressor",
    "LinearDiscriminantAnalysis", "QuadraticDiscriminantAnalysis", "GaussianMixture",
    "BayesianGaussianMixture", "EmpiricalCovariance", "EllipticEnvelope", "MinCovDet",
    "FastICA", "FactorAnalysis", "CCA", "PLSCanonical", "PLSRegression", "PLSSVD",
    "SelfTrainingClassifier", "LatentDirichletAllocation", "NMF", "MiniBatchNMF",
})
#: the scikit-learn modules whose estimators are sorted into the two lists above
SCALE_FAMILIES = (
    "svm", "neighbors", "neural_network", "kernel_ridge", "gaussian_process", "manifold",
    "kernel_approximation", "cluster", "decomposition", "linear_model", "discriminant_analysis",
    "semi_supervised", "cross_decomposition", "covariance", "mixture",
)
#: steps whose output is on a common scale
SCALERS = frozenset({
    "StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler", "Normalizer",
    "QuantileTransformer", "PowerTransformer", "KBinsDiscretizer", "OneHotEncoder", "Binarizer",
    "SplineTransformer", "TfidfTransformer", "TfidfVectorizer", "HashingVectorizer",
})
#: steps known to leave the scale of the features as it is
NON_SCALING = frozenset({
    "SimpleImputer", "IterativeImputer", "MissingIndicator", "PolynomialFeatures",
    "VarianceThreshold", "SelectKBest", "SelectPercentile", "SelectFromModel", "RFE", "RFECV",
    "SelectFpr", "SelectFdr", "SelectFwe", "GenericUnivariateSelect", "SequentialFeatureSelector",
    "str", "NoneType",  # "passthrough" and None steps
})


def _contains_scaler(step: Any, depth: int = 0) -> bool:
    if type(step).__name__ in SCALERS:
        return True
    if depth > 5:
        return False
    children: list[Any] = []
    for attribute in ("transformers", "transformer_list", "steps"):
        for entry in getattr(step, attribute, None) or []:
            children.append(entry[1] if isinstance(entry, tuple) else entry)
    return any(_contains_scaler(child, depth + 1) for child in children)


class UnscaledForScaleSensitive(Check):
    code = "K320"
    title = "Scale-sensitive estimator on unscaled features"
    severity = "warning"
    stage = "data"
    frameworks = ("sklearn",)
    why = ("Distance- and gradient-based estimators (SVMs, k-NN, regularised linear models, MLPs, "
           "PCA, k-means) treat a feature measured in thousands as thousands of times more "
           "important than one measured in fractions: the large feature dominates, "
           "regularisation hits features unevenly and solvers converge slowly.")
    fix = ("Put a scaler first in a pipeline: `make_pipeline(StandardScaler(), SVC())`, or a "
           "`ColumnTransformer` that scales the numeric columns. Scaling inside the pipeline "
           "also keeps cross-validation honest.")
    defaults = {"max_scale_ratio": 20.0}

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        steps = pipeline_steps(subject.model)
        position = next((i for i, s in enumerate(steps) if type(s).__name__ in SCALE_SENSITIVE), None)
        if position is None:
            return
        before = steps[:position]
        if any(_contains_scaler(step) for step in before):
            return
        if any(type(step).__name__ not in NON_SCALING for step in before):
            return  # an unknown transformer may well scale; stay silent rather than guess
        for stats in column_stats(subject):
            if stats.non_numeric:
                continue  # raw categories need an encoder first; the estimator would refuse them
            informative = np.flatnonzero(stats.informative)
            if len(informative) < 2:
                continue
            spread = stats.std[informative]
            ratio = float(spread.max() / spread.min())
            if ratio <= self.options["max_scale_ratio"]:
                continue
            wide = stats.columns[informative[int(np.argmax(spread))]]
            narrow = stats.columns[informative[int(np.argmin(spread))]]
            estimator = type(steps[position]).__name__
            yield self.finding(
                f"{estimator} gets features whose standard deviations range from "
                f"{spread.min():.3g} (feature {narrow}) to {spread.max():.3g} (feature {wide}), a "
                f"ratio of {ratio:,.0f}, and no scaler comes before it.",
                evidence={"estimator": estimator, "scale_ratio": ratio, "widest": wide,
                          "narrowest": narrow, "steps": [type(s).__name__ for s in steps]},
            )


class ImbalanceWithoutClassWeight(Check):
    code = "K321"
    title = "Imbalanced classes and class_weight not set"
    severity = "warning"
    stage = "data"
    frameworks = ("sklearn",)
    why = ("The estimator minimises the average loss over samples, so with one class much "
           "rarer it can mostly ignore that class; it supports `class_weight` but it is not set.")
    fix = ("Set `class_weight='balanced'` on the estimator (or pass "
           "`sample_weight=compute_sample_weight('balanced', y)`), and score with balanced "
           "accuracy or F1.")
    defaults = {"min_ratio": 0.1}

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        params = estimator_params(subject)
        if "class_weight" not in params or fit_is_weighted(subject):
            return
        yield from imbalance_findings(self, subject)


class NotConverged(Check):
    code = "K110"
    title = "The solver did not converge"
    severity = "warning"
    stage = "results"
    why = ("The estimator stopped at its iteration limit before its optimisation settled: the "
           "fitted coefficients are not the optimum and can change with the next run.")
    fix = ("Scale the features (the most common cause), raise `max_iter`, loosen `tol`, or "
           "increase regularisation (smaller `C`, larger `alpha`).")

    def run(self, subject: CheckSubject) -> Iterator[Finding]:
        messages = [" ".join(str(w.message).split()) for w in subject.fit_warnings
                    if _category_name(w) == "ConvergenceWarning"]
        if not messages:
            return
        distinct = list(dict.fromkeys(messages))
        first = distinct[0] if len(distinct[0]) <= 300 else distinct[0][:300] + "…"
        yield self.finding(
            f"the fit raised {len(messages)} ConvergenceWarning(s): {first}",
            evidence={"count": len(messages), "messages": distinct[:3]},
        )


def _category_name(warning: Any) -> str:
    category = getattr(warning, "category", None)
    return getattr(category, "__name__", "")


CHECKS = [UnscaledForScaleSensitive, ImbalanceWithoutClassWeight, NotConverged]
