"""Cost-benefit appraisal of a scenario against its counterfactual from two result
folders (``corridor appraise``): the costs file (:mod:`.schema`), the benefits measured
by the model (:mod:`.benefits`), NPV, BCR and EIRR (:mod:`.metrics`), their distribution
over the replications (:mod:`.appraise`) and the appraisal folder (:mod:`.folder`)."""
