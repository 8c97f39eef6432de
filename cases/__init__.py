"""Customers' cases from the electronic file: data, import, the push API and the disclosure audit.

The phone side (ivr) asks `cases.store` whether a caller is who they say and what may be
told; cases never imports ivr. `cases.install.init_app` creates the tables and registers
the API and the `import-cases` command; calling it twice is harmless.
"""
