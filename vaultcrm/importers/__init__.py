"""Import sources: every export format becomes :class:`~vaultcrm.importers.record.Record` objects.

See :mod:`vaultcrm.importers.record` for the record type and the :class:`Source` protocol.
"""
