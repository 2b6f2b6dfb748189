"""The one error the condition language raises for a bad tree."""

from __future__ import annotations

from leadflow.core.errors import DomainError


def display_path(path: str) -> str:
    """The path of a node as shown to people: ``root`` for the top of the tree."""
    return path or "root"


class ConditionError(DomainError):
    """A condition tree that cannot be used as written.

    ``path`` names the bad node (``"all[1].any[0]"``, ``""`` for the root) and
    ``problem`` says what is wrong with it; ``str(error)`` joins both so a form or an
    API response can show one line. It is a ``DomainError`` so the API maps it to 400.
    """

    def __init__(self, problem: str, path: str = "") -> None:
        self.problem = problem
        self.path = path
        super().__init__(f"{display_path(path)}: {problem}")
