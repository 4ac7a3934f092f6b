"""Provider adapters: one sub-package per cloud, each a signer, a client and its error table.

They are imported only when a secret of that provider is rotated, so a cold start pays for neither.
"""
