"""What templates see, per concern: plain data computed from the profile and the platform facts."""
