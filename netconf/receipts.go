package netconf

import "github.com/groupcast/groupcast/netconf/internal/classroom"

// Receipts are reported at most once per announcement per ReceiptEvery,
// naming at most MaxReceiptMissing of those missing.
const (
	ReceiptEvery      = classroom.ReportEvery
	MaxReceiptMissing = classroom.MaxMissing
)
