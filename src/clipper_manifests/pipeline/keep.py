"""What a build keeps of each profile (a module of its own: commands name it before they import the pipeline)."""

from __future__ import annotations

import enum


class Keep(enum.Enum):
    """What each profile of a build keeps once its files are made, checked and scanned (on the
    core that built it): the less it keeps, the less a worker sends back."""

    OBJECTS = "objects"  # everything, the object trees too (compare, dr-plan, images, tests)
    FILES = "files"  # its files: Build.files() (diff)
    CHANGED_FILES = "changed files"  # the files that differ from out/, and the state of all: Build.changed_files() (render)
    PROBLEMS = "problems"  # problems only (validate)
