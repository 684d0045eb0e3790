"""plans subdomain: the consensus plan of a case.

Services, one concept per module (lower modules never import higher ones):

- :mod:`board.plans.versions`: shared by the others - loading a plan version, the
  optimistic lock and its conflict, the draft-only rule, recording an edit, the view.
- :mod:`board.plans.plan_board`: the plan screen's read.
- :mod:`board.plans.comparison`: two versions side by side.
- :mod:`board.plans.drafting`: starting a plan and editing the draft (the NOMS start).
- :mod:`board.plans.starters`: the default templates and the NOMS start as data (pure).
- :mod:`board.plans.templates`: plan templates (administered; applied in one click).
- :mod:`board.plans.dissent` and :mod:`board.plans.action_items`.
- :mod:`board.plans.lifecycle`: sign-off (one plan, or every plan of a meeting in one
  pass), finalization and amendment.
"""
