"""Profile rules on region-bound values: they must name the region the cluster runs in."""

from __future__ import annotations

from collections.abc import Iterator

from clipper_manifests.problems import Severity
from clipper_manifests.profile.model import Profile
from clipper_manifests.rules.profile.run import Finding
from clipper_manifests.rules.registry import (
    ERROR_OR_WARNING,
    profile_rule,
)


@profile_rule("region-agrees", ERROR_OR_WARNING, "cluster.region", "ingress.aws", "secrets.aws", "secrets.backend")
def _region_agrees(profile: Profile) -> Iterator[Finding]:
    """Region-bound values name the cluster's region: an AWS load balancer can only use an ACM certificate of its own region; a Secrets
    Manager store in another region works, but every secret read then crosses regions.

    Fix: use values of cluster.region (a certificate issued or imported there; secrets.aws.region equal to it), or acknowledge a
    deliberate cross-region secret store in policy.exceptions"""
    region = profile.cluster.region
    aws_ingress = profile.ingress.aws
    if aws_ingress is not None:
        certificate_region = aws_ingress.certificate_arn.split(":")[3]
        if certificate_region != region:
            yield (
                ("ingress", "aws", "certificateArn"),
                f"the certificate is in {certificate_region}, but the cluster and its load balancer are in {region}",
                Severity.ERROR,
            )
    aws_secrets = profile.secrets.aws
    if profile.secrets.backend == "aws-secrets-manager" and aws_secrets is not None and aws_secrets.region != region:
        yield (
            ("secrets", "aws", "region"),
            f"secrets are read from {aws_secrets.region}, but the cluster runs in {region}: every read crosses regions",
            Severity.WARNING,
        )
