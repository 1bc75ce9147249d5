"""How kepler reads models: the one reader of Keras models and scikit-learn estimators.

Both the record (``adapters``) and the checks (``checks``) read models through these modules,
so a model is described one way everywhere. Nothing here imports Keras or scikit-learn at
module level: models are read through their attributes and class names.

- ``keras_layers``: what a layer is (kind, activation, width, whether it scales the inputs);
- ``keras_graph``: how layers are wired (producers / consumers, nested models, output head);
- ``keras_shapes``: shapes and parameter counts without building anything;
- ``keras_compile``: optimizer, learning rate, loss (its serialised form and what it expects),
  metrics;
- ``keras_model``: the record's ``model`` field for a Keras model;
- ``sklearn_steps``: the steps of a scikit-learn set-up, its final estimator, NaN handling;
- ``sklearn_model``: the record's ``model`` field for a scikit-learn estimator.
"""
