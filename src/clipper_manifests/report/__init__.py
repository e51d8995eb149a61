"""Texts for people and tools: problem reports, SARIF, the rule list, docs, comparisons, tables."""
