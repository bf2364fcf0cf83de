package bench

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Machine describes this computer for a benchmark's heading: CPU model,
// cores, platform and Go version.
func Machine() string {
	model := runtime.GOARCH
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				if _, v, ok := strings.Cut(l, ":"); ok {
					model = strings.TrimSpace(v)
				}
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores, %s/%s, %s", model, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// stealMs reads the machine's stolen CPU time so far, in milliseconds.
func stealMs() float64 { return StealMs(procText("/proc/stat")) }

// procText is the text of a /proc file, or "" where there is none.
func procText(name string) string {
	b, _ := os.ReadFile(name)
	return string(b)
}

// StealMs reads the steal time of all CPUs from the text of /proc/stat,
// in milliseconds (USER_HZ is 100 on Linux); 0 when it is missing.
func StealMs(stat string) float64 {
	for line := range strings.Lines(stat) {
		f := strings.Fields(line)
		if len(f) > 8 && f[0] == "cpu" {
			v, _ := strconv.ParseUint(f[8], 10, 64)
			return float64(v) * 10
		}
	}
	return 0
}

// rcvbufErrors reads the kernel's count of UDP datagrams dropped for a
// full receive buffer (0 where /proc/net/snmp does not exist).
func rcvbufErrors() uint64 { return UDPRcvbufErrors(procText("/proc/net/snmp")) }

// UDPRcvbufErrors reads the UDP RcvbufErrors counter from the text of
// /proc/net/snmp (0 when it is missing).
func UDPRcvbufErrors(snmp string) uint64 {
	var names []string
	for line := range strings.Lines(snmp) {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "Udp:" {
			continue
		}
		if names == nil {
			names = f
			continue
		}
		for i, n := range names {
			if n == "RcvbufErrors" && i < len(f) {
				v, _ := strconv.ParseUint(f[i], 10, 64)
				return v
			}
		}
	}
	return 0
}

func heapMB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapInuse) / (1 << 20)
}
