"""Browser capabilities, one module each; the only code that imports ``js``/``pyodide``.

``host/base.py`` has the Protocols the rest of the shell codes against and ``host/fake.py`` their
CPython fakes; ``dom``, ``canvas``, ``timers``, ``window`` and ``history`` implement them over Pyodide.
"""
