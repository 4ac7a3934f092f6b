"""AWS stand-ins: moto's Secrets Manager and SQS with AWS's rules restored, and STS's web identity tokens."""
