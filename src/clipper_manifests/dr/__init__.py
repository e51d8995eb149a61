"""Disaster recovery: the out/dr/ objects, the RTO budget, and the `dr-plan` runbook."""
