package mcast

import (
	"os"
	"path/filepath"
	"strings"
)

// looksVirtualOnPlatform uses sysfs: a physical NIC has a device link, and
// a tunnel (tun/wireguard) has ARPHRD_NONE (65534).
func looksVirtualOnPlatform(name string) bool {
	dir := filepath.Join("/sys/class/net", name)
	if _, err := os.Stat(dir); err != nil {
		return false // no sysfs (e.g. a container without it): no opinion
	}
	if t, err := os.ReadFile(filepath.Join(dir, "type")); err == nil && strings.TrimSpace(string(t)) == "65534" {
		return true
	}
	_, err := os.Stat(filepath.Join(dir, "device"))
	return err != nil
}
