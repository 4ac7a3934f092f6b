"""Development stand-ins for everything the function talks to, so that tests, `make demo` and `make bench` run a
real rotation with no cloud account: moto's Secrets Manager (with AWS's rules restored), provider API emulators
that check signatures and speak the real wire protocols, and real database servers started in temporary
directories. Nothing in the layer imports this package.
"""
