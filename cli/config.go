package cli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// A settings file lets a lab PC start already in a room without a long
// command line. One setting a line, named like the flags:
//
//	# /etc/xdg or ~/.config/groupcast/groupcast.conf
//	room = Physics 101
//	name = PC07
//	tray = true
//
// Flags on the command line win over the file.

// DefaultConfigPath is groupcast.conf in the user's configuration folder.
func DefaultConfigPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "groupcast", "groupcast.conf")
}

// applyConfig sets fs's flags from the settings file named by -config in
// args, or the default file when it exists.
func applyConfig(set *flag.FlagSet, args []string, _ IO) error {
	path, explicit := "", false
	for i, a := range args {
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "config" {
			continue
		}
		explicit = true
		if hasValue {
			path = value
		} else if i+1 < len(args) {
			path = args[i+1]
		}
	}
	if !explicit {
		path = DefaultConfigPath()
	}
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("read the settings file: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		name, value, ok := strings.Cut(text, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || name == "" || name == "config" || name == "key" {
			return fmt.Errorf("%s line %d: write name = value (and keep passphrases in a -key-file)", path, line)
		}
		if set.Lookup(name) == nil {
			return fmt.Errorf("%s line %d: unknown setting %q", path, line, name)
		}
		if err := set.Set(name, value); err != nil {
			return fmt.Errorf("%s line %d: %v", path, line, err)
		}
	}
	return sc.Err()
}
