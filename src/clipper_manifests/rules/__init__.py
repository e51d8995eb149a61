"""Every check: the rule registry, profile rules, rules on rendered objects, security, delivery, secrets."""
