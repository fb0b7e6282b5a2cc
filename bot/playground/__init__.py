"""`billing-bot playground`: a Slack-like page in the browser that is the Slack Web API for the real bot
(the stand-in records its calls) and sends it exactly what Slack sends. Never imported by `billing-bot run`."""
