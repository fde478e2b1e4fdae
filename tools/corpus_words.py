"""Operations vocabulary for the synthetic corpus: services, people, and phrases by category.

Written for kb's benchmarks. Each contributing-factor category of the default
taxonomy has its own symptoms, causes and fixes, so that a query such as
"connection pool exhausted" finds the datastore and capacity incidents, as it
would in a real knowledge base.
"""

from __future__ import annotations

# fmt: off
SERVICES = [
    "checkout", "payments", "auth", "search", "catalog", "inventory", "orders", "cart",
    "notifications", "email-sender", "sms-gateway", "billing", "invoicing", "ledger",
    "api-gateway", "edge-proxy", "cdn", "dns", "identity", "session-store", "profile",
    "recommendations", "pricing", "promotions", "shipping", "warehouse-sync", "returns",
    "reporting", "analytics-pipeline", "event-bus", "scheduler", "batch-runner", "media",
    "image-resizer", "uploads", "mobile-backend", "web-frontend", "admin-console",
    "feature-flags", "config-service", "secrets-vault", "ci-runners", "artifact-registry",
    "kubernetes-platform", "postgres-main", "postgres-orders", "redis-cache", "kafka",
    "elasticsearch", "object-storage", "vpn", "load-balancer", "metrics", "logging",
    "alertmanager", "status-page", "support-desk", "partner-api", "fraud-check", "geo-lookup",
]

TEAMS = [
    "platform", "payments", "checkout", "identity", "search", "data", "sre", "storefront",
    "mobile", "fulfilment", "growth", "security", "billing", "infrastructure", "networking",
    "developer-experience", "customer-support", "observability", "integrations", "risk",
]

TAGS = [
    "customer-facing", "internal", "weekend", "peak-season", "on-call-handoff", "rollback",
    "data-repair", "vendor", "regional", "mobile", "api", "batch", "migration", "kubernetes",
    "postgres", "redis", "kafka", "dns", "tls", "cdn", "aws", "retry-storm", "slo",
    "status-page", "paging", "capacity", "cost", "compliance",
]

FIRST_NAMES = [
    "Ada", "Bilal", "Chen", "Dana", "Elif", "Femi", "Greta", "Hiro", "Ines", "Jonas",
    "Kavya", "Lars", "Maya", "Nikos", "Olu", "Priya", "Quinn", "Rosa", "Sami", "Tomas",
    "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zofia", "Aoife", "Bruno", "Carmen", "Dmitri",
]
LAST_NAMES = [
    "Adeyemi", "Bauer", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen",
    "Ivanova", "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov",
    "Quint", "Rossi", "Schmidt", "Tanaka", "Unger", "Varga", "Weber", "Xu", "Yilmaz", "Zhou",
]

# Per category: what people saw, what made it possible, and what fixed or will fix it.
CATEGORY_PHRASES: dict[str, dict[str, list[str]]] = {
    "config": {
        "symptom": ["requests were routed to the wrong upstream", "every pod failed its readiness probe",
                    "the feature flag turned on for all customers at once", "timeouts dropped to one second"],
        "cause": ["a misconfiguration in the helm values", "a feature flag default that flipped on deploy",
                  "a manifest copied from staging with the wrong endpoint", "an unreviewed config change"],
        "fix": ["validate configuration in the pipeline before apply", "add a schema check for helm values",
                "stage feature flag rollouts by percentage", "diff config against production before merge"],
    },
    "code-bug": {
        "symptom": ["a null pointer exception in the request handler", "orders were charged twice",
                    "a race condition corrupted the in-memory cache", "an off-by-one error dropped the last page"],
        "cause": ["a regression introduced in the refactor", "an unhandled exception on empty input",
                  "a defect in the retry logic", "a race condition between two workers"],
        "fix": ["add a regression test for the empty case", "make the handler idempotent",
                "guard the shared state with a lock", "review error handling in the client library"],
    },
    "capacity": {
        "symptom": ["the connection pool was exhausted", "pods were OOM killed in a loop",
                    "the disk filled up and writes failed", "requests were throttled by the quota",
                    "no space left on device on the log volume"],
        "cause": ["memory limits sized for last year's traffic", "a quota that nobody tracked",
                  "connection pool exhaustion under retries", "log volume growth without rotation"],
        "fix": ["alert on connection pool saturation", "raise memory limits and add headroom",
                "add disk usage forecasting", "rotate and compress logs hourly"],
    },
    "dependency": {
        "symptom": ["a retry storm against the downstream service", "cascading timeouts across the call graph",
                    "upstream latency doubled and queues backed up", "thread pools blocked on a slow dependency"],
        "cause": ["retries without backoff or jitter", "no circuit breaker on the downstream call",
                  "a timeout longer than the caller's own deadline", "synchronous calls to a non-critical dependency"],
        "fix": ["add exponential backoff with jitter", "introduce a circuit breaker",
                "align timeouts with deadlines", "make the dependency call asynchronous"],
    },
    "datastore": {
        "symptom": ["replication lag on the postgres replica grew to minutes", "a deadlock between two transactions",
                    "the database failover took eleven minutes", "a query plan flipped to a sequential scan",
                    "the kafka consumer group stopped rebalancing", "redis evicted hot keys"],
        "cause": ["a long-running migration holding locks", "stale statistics after a bulk load",
                  "failover that depended on manual promotion", "an index missing on the new column"],
        "fix": ["run migrations with lock timeouts", "analyse tables after bulk loads",
                "automate replica promotion", "add the missing index and review slow queries"],
    },
    "network": {
        "symptom": ["DNS resolution failed intermittently", "packet loss between availability zones",
                    "the load balancer marked healthy targets as down", "TLS handshakes timed out at the ingress",
                    "latency spiked on the service mesh"],
        "cause": ["a firewall rule that blocked the health check port", "DNS TTLs too long for failover",
                  "a routing change at the edge", "ingress controller running out of file descriptors"],
        "fix": ["lower DNS TTLs before planned failovers", "test firewall changes against health checks",
                "monitor packet loss between zones", "raise file descriptor limits on ingress"],
    },
    "deploy": {
        "symptom": ["the canary passed but the full rollout failed", "rollback took forty minutes",
                    "half the fleet ran the old version", "the deploy pipeline stalled mid-rollout"],
        "cause": ["a canary that did not receive real traffic", "a rollback path nobody had tested",
                  "a release that bundled a database migration", "rollout speed set too aggressively"],
        "fix": ["send real traffic to the canary", "practise rollbacks monthly",
                "separate migrations from releases", "slow down the rollout and add bake time"],
    },
    "time-and-certificates": {
        "symptom": ["the TLS certificate expired on the public endpoint", "clock skew broke token validation",
                    "daylight saving time shifted scheduled jobs", "signed URLs expired immediately"],
        "cause": ["certificate renewal depended on one person", "NTP was disabled on the new image",
                  "timezone arithmetic in local time", "an expiry date nobody monitored"],
        "fix": ["automate certificate renewal", "alert thirty days before certificate expiry",
                "store and compute times in UTC", "monitor clock drift on every host"],
    },
    "security": {
        "symptom": ["a leaked secret was found in a public repository", "unauthorized access to an admin endpoint",
                    "a vulnerability in a dependency was exploited", "credentials were rotated in a hurry"],
        "cause": ["a credential committed to source control", "an access control check missing on one route",
                  "an unpatched CVE in the base image", "overly broad IAM permissions"],
        "fix": ["scan commits for secrets", "add access control tests per route",
                "rebuild base images weekly", "apply least privilege to service roles"],
    },
    "hardware": {
        "symptom": ["a disk failure degraded the storage array", "a host failure took down a rack",
                    "a faulty NIC dropped packets", "a power failure hit one data hall"],
        "cause": ["no spare capacity to absorb a failed host", "a RAID rebuild competing with production I/O",
                  "firmware with a known defect", "a single power feed on critical racks"],
        "fix": ["keep N+1 capacity per rack", "throttle RAID rebuilds",
                "track firmware versions", "dual power feeds for critical racks"],
    },
    "observability": {
        "symptom": ["no alert fired for the first hour", "the dashboard showed green during the outage",
                    "logs were sampled away at the moment we needed them", "alert noise hid the real page"],
        "cause": ["a missing alert on error rate", "metrics aggregated over too long a window",
                  "an alert routed to a retired channel", "logs dropped by the collector under load"],
        "fix": ["alert on symptoms, not causes", "add an SLO burn-rate alert",
                "review alert routing quarterly", "reserve log capacity for errors"],
    },
    "automation": {
        "symptom": ["the autoscaler removed every node", "a cleanup script deleted live data",
                    "a cron job ran in every region at once", "a controller looped and recreated pods"],
        "cause": ["automation without a rate limit", "a script with no dry run",
                  "a scheduled job with no concurrency guard", "a controller acting on stale state"],
        "fix": ["add rate limits and safety bounds to automation", "require a dry run for cleanup scripts",
                "add a global lock to scheduled jobs", "make the controller check fresh state"],
    },
    "manual-operation": {
        "symptom": ["a command ran against the wrong environment", "a typo in the console deleted a table",
                    "a manual failover skipped a step", "a hand-edited config was lost on redeploy"],
        "cause": ["production and staging shells that looked the same", "a manual step with no confirmation",
                  "a procedure done by hand twice a year", "changes made by hand outside the pipeline"],
        "fix": ["colour production shells", "add confirmation prompts to destructive commands",
                "script the manual procedure", "make the pipeline the only path to production"],
    },
    "communication": {
        "symptom": ["the status page stayed green for an hour", "two teams mitigated in opposite directions",
                    "the escalation reached the wrong on-call", "customers heard about it before support did"],
        "cause": ["no single incident commander", "a handoff without written context",
                  "an escalation policy that was out of date", "status page updates owned by nobody"],
        "fix": ["name an incident commander early", "write handoff notes in the incident channel",
                "review escalation policies quarterly", "give support a seat in the incident channel"],
    },
    "knowledge-gap": {
        "symptom": ["responders did not know the service had a second region", "nobody knew how to restore the backup",
                    "the undocumented behaviour surprised everyone", "the only expert was on holiday"],
        "cause": ["tribal knowledge held by one engineer", "undocumented failover behaviour",
                  "a new joiner on call without shadowing", "architecture diagrams years out of date"],
        "fix": ["pair new joiners with experienced on-call", "document failover behaviour",
                "run restore drills", "keep architecture diagrams next to the code"],
    },
    "testing-gap": {
        "symptom": ["the bug reached production although tests passed", "staging never exercised the failing path",
                    "the load test used a tenth of real traffic", "an untested migration failed halfway"],
        "cause": ["test coverage missing on error paths", "staging data unlike production",
                  "load tests that stopped at the cache", "no test for the rollback of a migration"],
        "fix": ["add tests for error paths", "refresh staging with anonymised data",
                "load test with production-shaped traffic", "test every migration both ways"],
    },
    "change-management": {
        "symptom": ["a risky change shipped during the freeze", "two changes landed in the same window",
                    "the change could not be undone", "nobody approved the database change"],
        "cause": ["a change window without coordination", "peer review skipped for a small change",
                  "an approval process that was easy to bypass", "no rollback plan in the change request"],
        "fix": ["require a rollback plan for every change", "publish a shared change calendar",
                "enforce peer review in the pipeline", "respect the freeze for non-urgent changes"],
    },
    "runbook-gap": {
        "symptom": ["the runbook pointed at a dashboard that no longer existed", "responders improvised for an hour",
                    "the playbook skipped the failover step", "the procedure was out of date"],
        "cause": ["runbooks not updated after the migration", "no owner for the playbook",
                  "documentation kept in a wiki nobody searched", "steps that assumed the old topology"],
        "fix": ["review runbooks after every incident", "link runbooks from alerts",
                "test runbooks in game days", "give each runbook an owner"],
    },
    "ownership": {
        "symptom": ["the alert fired into an unowned channel", "nobody could approve the rollback",
                    "the orphaned service had no on-call", "two teams each thought the other owned it"],
        "cause": ["a component left unowned after a reorganisation", "no owner recorded in the service catalogue",
                  "shared ownership that meant no ownership", "an orphaned cron job"],
        "fix": ["record an owner for every service", "audit unowned alerts monthly",
                "assign on-call for orphaned services", "decommission what nobody owns"],
    },
    "capacity-planning": {
        "symptom": ["black friday traffic exceeded the forecast", "the campaign launch tripled sign-ups",
                    "growth outpaced the database", "peak load arrived a week early"],
        "cause": ["a forecast based on last year's growth", "marketing campaigns not shared with engineering",
                  "capacity planning done once a year", "no load test before peak season"],
        "fix": ["share the campaign calendar with engineering", "forecast capacity monthly",
                "load test before every peak", "pre-scale ahead of known events"],
    },
    "third-party": {
        "symptom": ["the payment provider returned errors for card payments", "the email vendor throttled our account",
                    "the SMS provider dropped messages", "the identity provider changed its API"],
        "cause": ["a single vendor with no fallback", "an api change announced in a newsletter",
                  "a rate limit at the vendor we did not know", "a saas outage with no status integration"],
        "fix": ["add a second payment provider", "subscribe to vendor status feeds",
                "track vendor rate limits", "degrade gracefully when the vendor is down"],
    },
    "cloud-provider": {
        "symptom": ["an availability zone lost power", "the managed database was unavailable in one region",
                    "EC2 instances could not be launched", "S3 returned elevated error rates"],
        "cause": ["all replicas in one availability zone", "a dependency on a single region",
                  "no capacity reservation for failover", "a managed service limit we had reached"],
        "fix": ["spread replicas across zones", "practise regional failover",
                "reserve capacity in a second region", "request higher service limits early"],
    },
    "malicious-traffic": {
        "symptom": ["a DDoS attack saturated the edge", "credential stuffing locked out customers",
                    "a scraper hammered the search endpoint", "bot traffic exhausted the API quota"],
        "cause": ["no rate limiting at the edge", "login endpoint without bot protection",
                  "an expensive endpoint open to anonymous users", "abuse detection that only ran daily"],
        "fix": ["rate limit per client at the edge", "add bot protection to login",
                "require authentication for expensive endpoints", "detect abuse in real time"],
    },
}

# Shared sentence templates; {svc} a service, {sym} a symptom, {cause} a cause, {fix} a fix,
# {minutes} a number, {team} a team, {person} a person, {svc2} another service; {host},
# {version}, {hash}, {code}, {ms} and {count} are identifiers and numbers as in real logs.
OPENERS = [
    "At {time} the {svc} service started to misbehave: {sym}.",
    "Customers of {svc} noticed first: {sym}.",
    "The on-call engineer for {team} was paged when {sym}.",
    "{sym_cap} shortly after a routine change to {svc}.",
    "Error rates on {svc} rose for {minutes} minutes because {sym}.",
]
NARRATIVE = [
    "The {team} on-call checked the dashboards and saw that {sym}.",
    "{person} suspected {svc2} first, because it had been changed earlier that day.",
    "We rolled back the last deploy of {svc}, but the errors continued.",
    "Latency on {svc} stayed above the SLO for {minutes} minutes.",
    "{person} opened an incident channel and took the incident commander role.",
    "The logs of {svc2} showed timeouts to {svc}, which pointed us in the right direction.",
    "We scaled {svc} out to twice its usual size to buy time.",
    "Support reported a growing queue of tickets about failed requests.",
    "A status page update went out {minutes} minutes after the first alert.",
    "Traffic was drained from the affected zone while we investigated.",
    "{person} found the cause: {cause}.",
    "Restarting the pods helped for a few minutes, then {sym} again.",
    "The database team confirmed that replication and failover were healthy.",
    "We paused the deploy pipeline for {svc} and {svc2} until the cause was understood.",
    "Retries from {svc2} multiplied the load on {svc} by a factor of {factor}.",
    "The error budget for {svc} was burned for the rest of the month.",
    "Hosts {host} and {host2} showed the most errors.",
    "Release {version} of {svc} had gone out at {time}, so it was the first suspect.",
    "The p99 latency of {svc} reached {ms} ms, against a target of 300 ms.",
    "The logs showed {code} about {count} times a minute.",
    "Pod {svc}-{hash} restarted {factor} times before anyone looked at it.",
    "We bisected the config history of {svc} and found change {hash}.",
    "{person} and {person2} paired on the investigation from the incident bridge.",
    "The queue behind {svc2} grew to {count} messages before consumers caught up.",
    "A synthetic check from three regions confirmed the failure was global.",
    "We added a temporary rate limit of {count} requests per second on {svc}.",
    "The incident was declared at {time} and the first customer email went out soon after.",
    "CPU on {host} stayed at one hundred percent while memory looked normal.",
    "We failed over to the standby, which took {minutes} minutes to warm its cache.",
    "The graphs of {svc2} showed the same shape an hour earlier, which nobody had noticed.",
    "Engineers from {team} joined to help with {svc2}.",
    "We turned off the nightly job on {svc2} to reduce load while we worked.",
]
CAUSES = [
    "The main contributing factor was {cause}.",
    "This was possible because of {cause}.",
    "A second factor made it worse: {cause}.",
    "Nothing warned us in advance about {cause}.",
    "In hindsight the signs were there: {cause}, and {sym} in a smaller incident last quarter.",
    "The change looked safe in review; {cause} was not visible in the diff.",
]
WENT_WELL = [
    "The alert for {svc} fired within a minute and reached the right person.",
    "The runbook for {svc} was accurate and saved time.",
    "{person} knew the history of {svc2} and ruled it out quickly.",
    "Rollback of {svc} worked as designed.",
    "Customer support had a clear message for customers early on.",
    "Dashboards for {svc} made the blast radius obvious.",
    "The incident channel stayed focused; side discussions moved to threads.",
    "{person} wrote clear updates every thirty minutes.",
    "Feature flags let us turn off the new code path on {svc} without a deploy.",
]
LUCKY = [
    "The incident happened during business hours, when most of {team} was online.",
    "Traffic was low because it was a public holiday in our largest market.",
    "{person} happened to be looking at the {svc} dashboard when it started.",
    "The failing batch job had not yet reached the largest customers.",
    "A backup of {svc} had been taken an hour before.",
    "The largest customer was in a maintenance window of its own.",
    "{person} had reviewed the {svc2} failover runbook the week before.",
]
LESSONS = [
    "We learned that {sym} can happen without any alert.",
    "The {svc} service depends on {svc2} more tightly than our diagrams showed.",
    "Alerts that page on symptoms found this faster than alerts on causes.",
    "The failure mode was known to {team}, but not written down anywhere the on-call would look.",
    "Load from retries deserves its own dashboard next to {svc}.",
    "Our timeouts and retries amplify failures instead of containing them.",
    "We should {fix} before the next peak.",
    "Small changes to {svc} need the same review as large ones.",
    "The cheapest fix is to {fix}.",
]
ACTION_VERBS = ["{fix_cap}", "{fix_cap} for {svc}", "Document how to {fix} on {svc}",
                "Automate: {fix}", "Review whether to {fix} across {team}"]

PREMORTEM_PROJECTS = [
    "Migrate {svc} to the new kubernetes platform", "Launch {svc} in a second region",
    "Replace the payment provider behind {svc}", "Move {svc} from postgres to a managed database",
    "Split {svc} out of the monolith", "Black friday readiness for {svc}",
    "Roll out single sign-on through {svc}", "Rewrite the {svc} batch pipeline",
    "Adopt a service mesh for {svc}", "Introduce feature flags for {svc}",
]
PREMORTEM_CONTEXT = [
    "We plan to {project_lc} by {launch}.",
    "Success means no customer-facing downtime and error rates below the SLO throughout.",
    "The work touches {svc} and {svc2}, both owned by {team}.",
    "The last similar change, two years ago, caused a long outage of {svc2}.",
]
PREMORTEM_STORIES = [
    "Imagine that {sym} on launch day, and the rollback did not work.",
    "It failed because {cause}, which we had known about but not fixed.",
    "Three months later, {svc} is slower than before and nobody knows why.",
    "The launch succeeded, but {sym} during the first peak.",
    "{person} left the team, and with them the knowledge of how {svc} fails over.",
]
SIGNALS = [
    "An SLO burn-rate alert on {svc}.",
    "Support tickets mentioning {svc} rise above ten per hour.",
    "The {svc} dashboard shows error rates above one percent.",
    "Latency of {svc2} at p99 above its target for ten minutes.",
]
DECISIONS = [
    "We decided to {fix} before launch.",
    "We accept the risk that {sym}, because the fallback covers it.",
    "{person} owns the go or no-go decision on launch day.",
    "We will launch to one percent of customers first.",
]
SUMMARY = [
    "{sym_cap}, so {svc} {impact} for {duration}. {cause_cap} made it possible; we will {fix}.",
    "For {duration}, {svc} {impact} after {sym}. The main factor was {cause}.",
    "{svc} {impact} for {duration} when {sym}. We fixed it and plan to {fix}.",
]
ERROR_CODES = [
    "HTTP 503", "HTTP 502", "HTTP 504", "HTTP 429", "ECONNRESET", "ETIMEDOUT", "ECONNREFUSED",
    "ERR_TLS_CERT_EXPIRED", "OOMKilled", "CrashLoopBackOff", "deadlock detected",
    "too many connections", "no space left on device", "context deadline exceeded",
    "SERVFAIL", "NXDOMAIN", "connection pool timeout", "read-only file system",
]
IMPACT_VERBS = {
    "full-outage": "was unavailable",
    "partial-outage": "was unavailable for some customers",
    "degraded-performance": "was slow",
    "increased-errors": "returned errors",
    "data-loss": "lost data",
    "data-inconsistency": "served inconsistent data",
    "security": "was exposed",
    "none": "was at risk",
}
# fmt: on
