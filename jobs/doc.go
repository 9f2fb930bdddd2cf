// Package jobs executes a plan against the Telegent API: one action per
// step kind, a dispatcher that starts a step as soon as its dependencies are
// done (no per-level barriers) on a fixed pool of workers, retries left to
// the client's policy, reconciliation of steps whose outcome is unknown,
// port order monitoring, and the results workbook.
//
// Every step goes through the checkpoint: a create is written in-flight
// (durably) before it is sent, and done, failed, waiting or needs-attention
// after. On resume, done steps cost nothing, in-flight steps are reconciled
// by lookup before anything is re-sent, and failed steps are retried only
// when their row changed, their failure was transient, or the user asks.
// An API that stops answering stops the run, not its rows (OutageWatch):
// what was not finished stays pending or in-flight for the next run.
//
// jobs knows the plan, the client and the checkpoint; it draws nothing:
// progress leaves it as Events for main to render.
package jobs
