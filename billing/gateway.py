"""StripeGateway: the only module that imports stripe. Implements billing.ports.BillingGateway."""
