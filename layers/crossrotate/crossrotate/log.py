"""The function's one logger: Powertools JSON lines, correlated by secret and step. Never pass it an event,
a secret value or an API key: the steps log ids, codes and counts only.
"""

from aws_lambda_powertools import Logger

logger = Logger(service="crossrotate")
