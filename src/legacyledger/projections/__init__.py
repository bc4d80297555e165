"""Pure folds from facts to figures, each figure with its derivation.

``base`` holds what every family shares (the fact record, figures, derivations, contributing
positions); ``periods``, ``figures`` and ``current`` the reporting periods, figure ids and
facts-as-they-stand that several families use; then one package per family:
:mod:`~legacyledger.projections.retention`, :mod:`~legacyledger.projections.costs`,
:mod:`~legacyledger.projections.reach` and :mod:`~legacyledger.projections.compliance`.
Projections depend on the domain only, never on the application or persistence.
"""
