"""`clipper-manifests images PROFILE`: every image the profile's pods run (operators' pods
included) with its pin, where the reference is set, and the objects that run it; then the
HelmReleases, whose images are their charts' own, fixed by the pinned chart version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clipper_manifests.rules.policy.image_digests import workload_images

Document = dict[str, Any]


@dataclass(frozen=True)
class ImageRow:
    reference: str
    pin: str  # "digest", "tag" or "none"
    source: str  # the profile key or templates/platform.yaml
    users: tuple[str, ...]  # Kind/name of the objects that run it

    @property
    def name_and_tag(self) -> str:
        return self.reference.split("@", 1)[0]

    @property
    def digest(self) -> str:
        return self.reference.split("@", 1)[1] if "@" in self.reference else "-"


def _pin(reference: str) -> str:
    if "@sha256:" in reference:
        return "digest"
    return "tag" if ":" in reference.rsplit("/", 1)[-1] else "none"


def image_rows(built: dict[str, list[Document]], profile_images: dict[str, str]) -> list[ImageRow]:
    """One row per image reference; `profile_images` maps a reference to its profile key."""
    users: dict[str, set[str]] = {}
    for documents in built.values():
        for document in documents:
            label = f"{document.get('kind')}/{(document.get('metadata') or {}).get('name')}"
            for _, _, image in workload_images(document):
                if image:
                    users.setdefault(image, set()).add(label)
    return [
        ImageRow(image, _pin(image), profile_images.get(image, "templates/platform.yaml"), tuple(sorted(names)))
        for image, names in sorted(users.items())
    ]


def chart_rows(built: dict[str, list[Document]]) -> list[tuple[str, str, str]]:
    """(HelmRelease, chart, version) of every release: its images come with the chart."""
    rows = set()
    for documents in built.values():
        for document in documents:
            if document.get("kind") == "HelmRelease":
                chart = (((document.get("spec") or {}).get("chart") or {}).get("spec")) or {}
                rows.add((f"HelmRelease/{document['metadata']['name']}", str(chart.get("chart", "")), str(chart.get("version", ""))))
    return sorted(rows)


def format_table(rows: list[ImageRow], charts: list[tuple[str, str, str]]) -> str:
    header = ("image", "digest", "pin", "set in", "run by")
    table = [header] + [(r.name_and_tag, r.digest, r.pin, r.source, ", ".join(r.users)) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header) - 1)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line[:-1], widths, strict=True)) + "  " + line[-1] for line in table]
    if charts:
        lines += ["", "Images of the HelmReleases come with their charts, pinned by chart version (templates/platform.yaml charts):"]
        lines += [f"  {release}  {chart} {version}" for release, chart, version in charts]
    return "\n".join(lines) + "\n"
