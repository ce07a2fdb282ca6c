"""The exception hierarchy.

Every reportkit error carries structured fields (unit, period, file, row, column, cell, ...)
next to its message, and survives pickling, because batch jobs cross process boundaries.
Each class has an ``exit_code`` that the command line uses.
"""

from __future__ import annotations

from typing import Any, NamedTuple

# Exit codes of the ``reportkit`` command (also documented in ``reportkit --help``).
EXIT_OK = 0
EXIT_FAILED = 1  # some jobs failed or some files were rejected; the rest went on
EXIT_USAGE = 2  # click's own code for a malformed command line
EXIT_BAD_INPUT = 3  # bad parameters: unknown unit, malformed period, unknown notebook parameter
EXIT_CANNOT_RUN = 4  # could not run at all: missing warehouse, missing tool, broken config


class Text(NamedTuple):
    """A text to word in the reader's language: an id of :mod:`reportkit.core.i18n` and its
    values. A value may itself be a :class:`Text`, or a list of texts (joined with "; ").

    Why errors carry one: an error is raised deep down (a period that does not parse, a
    schedule key misspelt) but worded at the top, by the command, in the language the operator
    chose. ``str(error)`` stays the English wording, for logs and for callers in Python."""

    id: str
    values: dict[str, Any]


def _rebuild(cls: type[ReportkitError], message: str, fields: dict[str, Any],
             text: Text | None = None) -> ReportkitError:
    err = cls.__new__(cls)
    ReportkitError.__init__(err, message, text=text, **fields)
    return err


class ReportkitError(Exception):
    """Base class. ``fields`` holds structured context such as unit, period, file, row, column;
    ``text`` (optional) the message as a :class:`Text`, for wording it in another language
    (:func:`reportkit.core.i18n.error` makes both from one id)."""

    exit_code = EXIT_CANNOT_RUN

    def __init__(self, message: str, *, text: Text | None = None, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.text = text
        self.fields = {k: v for k, v in fields.items() if v is not None}

    def __getattr__(self, name: str) -> Any:
        # Structured fields read as attributes: err.unit, err.row, ...
        fields = self.__dict__.get("fields", {})
        if name in fields:
            return fields[name]
        raise AttributeError(name)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, dict(self.fields),
                           self.__dict__.get("text")))

    def __str__(self) -> str:
        return self.message


class ConfigError(ReportkitError):
    """Configuration, schedule or environment problem."""


class ScheduleError(ConfigError):
    """A schedule (``params/*.yaml``) or batch option that is wrong: unknown key, bad value,
    over a size limit, an unsafe output folder. Bad input, not a broken machine."""

    exit_code = EXIT_BAD_INPUT


class UnitError(ReportkitError):
    """A unit name or code that cannot be resolved."""

    exit_code = EXIT_BAD_INPUT


class UnknownUnitError(UnitError):
    """No unit matches; ``suggestions`` lists the closest names."""


class UnitNotInForceError(UnitError):
    """The unit existed, but not at the requested date (e.g. merged on 1 July 2025)."""


class PeriodError(ReportkitError):
    """A malformed or impossible period."""

    exit_code = EXIT_BAD_INPUT


class ParameterError(ReportkitError):
    """Notebook parameters that do not match the notebook's parameters cell."""

    exit_code = EXIT_BAD_INPUT


class ValidationError(ReportkitError):
    """Data that breaks a contract. ``problems`` is the full list (collected, not first-only)."""

    exit_code = EXIT_FAILED


class IngestError(ReportkitError):
    """A submission file that could not be loaded."""

    exit_code = EXIT_FAILED


class WarehouseError(ReportkitError):
    """The warehouse is missing or inconsistent."""


class ExecutionError(ReportkitError):
    """A notebook failed while running (cell, error name and value in ``fields``)."""

    exit_code = EXIT_FAILED


class ExportError(ReportkitError):
    """HTML or PDF export failed."""

    exit_code = EXIT_FAILED


class LookupInRegistryError(ReportkitError, KeyError):
    """A name not found in a registry; the message lists what exists."""

    exit_code = EXIT_BAD_INPUT

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.message


class IssueError(ReportkitError):
    """``reportkit issue`` or ``bundle`` refused: the draft changed since it was rendered, the
    number is taken, the report was issued already, nothing was issued for a unit."""

    exit_code = EXIT_BAD_INPUT


class SigningError(ReportkitError):
    """A certificate that cannot be used: missing, not PKCS#12, wrong password."""

    exit_code = EXIT_BAD_INPUT


class DiffError(ReportkitError):
    """``reportkit diff`` cannot compare: a file is not a report listed in a manifest, a
    version has no recorded figures, or there is no other version to compare with."""

    exit_code = EXIT_BAD_INPUT
