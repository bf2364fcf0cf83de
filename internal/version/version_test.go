package version

import (
	"os"
	"strings"
	"testing"
)

func TestFyneAppTomlAgrees(t *testing.T) {
	b, err := os.ReadFile("../../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `Version = "`+Version+`"`) {
		t.Fatalf("FyneApp.toml does not say Version = %q:\n%s", Version, b)
	}
}
