"""One report from notebook to files: parameters, execution, export (HTML, PDF, the Word
draft), promotion and the catalogue of what is in ``outputs/``.

Imports :mod:`reportkit.presentation` and below (in practice core, errors and the stylesheet
of :mod:`reportkit.presentation.html`: the rest of the presentation runs inside the kernel).
"""
