"""The DynamoDB store's parts: the shared client and its helpers, and one class per aggregate."""
