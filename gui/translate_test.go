package gui

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unicode"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/words"
)

// uiStrings is every string the window passes to lang.L, in its sources.
func uiStrings(t *testing.T) map[string]string {
	t.Helper()
	found := map[string]string{}
	files, _ := filepath.Glob("*.go")
	more, _ := filepath.Glob("internal/*/*.go")
	fset := token.NewFileSet()
	for _, name := range append(files, more...) {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "L" {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "lang" {
				return true
			}
			switch a := call.Args[0].(type) {
			case *ast.BasicLit:
				s, _ := strconv.Unquote(a.Value)
				found[s] = fset.Position(a.Pos()).String()
			case *ast.Ident: // a constant: its value
				if a.Obj != nil {
					if spec, ok := a.Obj.Decl.(*ast.ValueSpec); ok {
						for i, n := range spec.Names {
							if n.Name == a.Name {
								s, _ := strconv.Unquote(spec.Values[i].(*ast.BasicLit).Value)
								found[s] = fset.Position(a.Pos()).String()
							}
						}
					}
				}
			default:
				if name == "say.go" { // the engine's sentences: engineStrings
					return true
				}
				t.Errorf("%s: lang.L of something that is not a literal", fset.Position(call.Pos()))
			}
			return true
		})
	}
	return found
}

// chinese is the window's Simplified Chinese translation.
func chinese(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("translations/groupcast.zh_Hans.json")
	if err != nil {
		t.Fatal(err)
	}
	var zh map[string]string
	if err := json.Unmarshal(b, &zh); err != nil {
		t.Fatal(err)
	}
	return zh
}

// checkTranslated reports each string found that zh lacks, or
// whose translation lacks one of its {{fields}}; and with printf, one
// whose translation has other verbs.
func checkTranslated(t *testing.T, zh, found map[string]string, printf bool) {
	t.Helper()
	for s, at := range found {
		tr, ok := zh[s]
		if !ok || tr == "" {
			t.Errorf("%s: no Chinese for %q", at, s)
			continue
		}
		if got, want := verbs(tr), verbs(s); printf && strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("the Chinese of %q has verbs %v, want %v", s, got, want)
		}
		for _, f := range strings.Split(s, "{{")[1:] {
			if field, _, _ := strings.Cut(f, "}}"); !strings.Contains(tr, "{{"+field+"}}") {
				t.Errorf("the Chinese of %q lacks {{%s}}", s, field)
			}
		}
	}
}

// TestChineseTranslationIsComplete: every string the window translates
// has its Simplified Chinese, with the same {{.Fields}}, and the file has
// nothing the window no longer uses.
func TestChineseTranslationIsComplete(t *testing.T) {
	zh := chinese(t)
	used := uiStrings(t)
	if len(used) < 40 {
		t.Fatalf("only %d strings found: the scan is broken", len(used))
	}
	checkTranslated(t, zh, used, false)
	engine := engineStrings(t)
	for s := range zh {
		_, ui := used[s]
		if _, ok := engine[s]; !ok && !ui {
			t.Errorf("translations/groupcast.zh_Hans.json has %q, which the window no longer uses", s)
		}
	}
}

// engineStrings is what the engine says that the window shows: the
// templates of netconf/words, and the formats of the mistakes it finds
// in what was typed (input.Errorf and netconf's inputErr, read from the
// sources as uiStrings reads lang.L).
func engineStrings(t *testing.T) map[string]string {
	t.Helper()
	found := map[string]string{}
	for _, s := range words.All() {
		found[s] = "netconf/words"
	}
	fset := token.NewFileSet()
	err := filepath.WalkDir("../netconf", func(name string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			var fn string
			switch f := call.Fun.(type) {
			case *ast.SelectorExpr:
				if id, ok := f.X.(*ast.Ident); ok {
					fn = id.Name + "." + f.Sel.Name
				}
			case *ast.Ident:
				fn = f.Name
			}
			if fn != "input.Errorf" && fn != "inputErr" {
				return true
			}
			if lit, ok := call.Args[1].(*ast.BasicLit); ok {
				s, _ := strconv.Unquote(lit.Value)
				found[s] = fset.Position(lit.Pos()).String()
			} else if !strings.HasSuffix(name, "errors.go") { // inputErr's own body passes its format on
				t.Errorf("%s: %s with a format that is not a literal", fset.Position(call.Pos()), fn)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// verbs is the printf verbs of a format, in order, without explicit
// argument indexes ("%[2]d" counts as "%d"), so a translation may reorder
// its arguments.
func verbs(format string) []string {
	var out []string
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		j := i + 1
		for j < len(format) && strings.ContainsRune("+-# 0123456789.[]", rune(format[j])) {
			j++
		}
		if j < len(format) && format[j] != '%' {
			out = append(out, "%"+string(format[j]))
		}
		i = j
	}
	sort.Strings(out)
	return out
}

// TestEngineSentencesAreTranslated: what the engine tells the user has
// its Simplified Chinese too, with the same fields or printf verbs.
func TestEngineSentencesAreTranslated(t *testing.T) {
	engine := engineStrings(t)
	if len(engine) < 50 {
		t.Fatalf("only %d engine sentences found: the scan is broken", len(engine))
	}
	checkTranslated(t, chinese(t), engine, true)
}

// TestNoUntranslatedStrings: every sentence the window's code writes goes
// through lang.L (so it can be translated), but for the few listed here.
func TestNoUntranslatedStrings(t *testing.T) {
	allowed := map[string]bool{
		"loading the window's translations": true, // a log line for developers
		// chime.ErrNoPlayer: the window says it with lang.L (sound.go).
		"no sound player found (paplay, pw-play or aplay)": true,
	}
	files, _ := filepath.Glob("*.go")
	more, _ := filepath.Glob("internal/*/*.go")
	fset := token.NewFileSet()
	for _, name := range append(files, more...) {
		if strings.HasSuffix(name, "_test.go") || strings.HasPrefix(name, "internal/hellowindow") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		translated := map[ast.Node]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "lang" {
					for _, a := range call.Args {
						translated[a] = true
						// A constant given to lang.L: its value.
						if id, ok := a.(*ast.Ident); ok && id.Obj != nil {
							if spec, ok := id.Obj.Decl.(*ast.ValueSpec); ok {
								for _, v := range spec.Values {
									translated[v] = true
								}
							}
						}
					}
				}
			}
			return true
		})
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if n.Kind != token.STRING || translated[n] {
					return true
				}
				s, _ := strconv.Unquote(n.Value)
				if allowed[s] {
					return true
				}
				words := 0
				for _, w := range strings.Fields(s) {
					if len(w) > 2 && strings.IndexFunc(w, unicode.IsLetter) >= 0 {
						words++
					}
				}
				if words >= 2 {
					t.Errorf("%s: %q is not passed through lang.L", fset.Position(n.Pos()), s)
				}
			}
			return true
		})
	}
}

// TestEngineSentencesInChinese: under a Chinese locale the window says
// the engine's sentences, and the mistakes it finds in what was typed, in
// Chinese. Fyne reads the locale once, as it starts, so this runs the
// test binary again with LANG set.
func TestEngineSentencesInChinese(t *testing.T) {
	if os.Getenv("GROUPCAST_TEST_ZH") != "1" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEngineSentencesInChinese$", "-test.v")
		cmd.Env = append(os.Environ(), "GROUPCAST_TEST_ZH=1", "LANG=zh_CN.UTF-8", "LANGUAGE=zh_CN", "LC_ALL=zh_CN.UTF-8")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return
	}
	u := netconf.Unreadable{Reason: netconf.UnreadableOtherPassphrase, Count: 9}
	if got := say(u.Words()); got != "这里的其他人使用另一个口令：你无法阅读他们的消息（目前 9 个数据报），他们也无法阅读你的。请与他们核对口令" {
		t.Errorf("other passphrase: %q", got)
	}
	imp := netconf.Unreadable{Reason: netconf.UnreadableImpostor, Count: 3, Peer: "Ms Lee", Host: netip.MustParseAddr("10.0.0.7")}
	if got := say(imp.Words()); !strings.HasPrefix(got, "位于 10.0.0.7 的电脑冒充 Ms Lee：3 个数据报") {
		t.Errorf("impostor: %q", got)
	}
	flood := netconf.Unreadable{Reason: netconf.UnreadableCatchUpFlood, Count: 1, Host: netip.MustParseAddr("198.18.0.2")}
	if got := say(flood.Words()); got != "位于 198.18.0.2 的电脑索取较早消息的次数超过任何正常需要：1 次请求未予回应" {
		t.Errorf("catch-up flood: %q", got)
	}
	_, err := netconf.ParsePort("abc")
	if got := explain(err); got != `端口 "abc" 不是数字；请使用 1 到 65535` {
		t.Errorf("port: %q", got)
	}
	if got := explain(&netconf.OpError{Op: "open port 3333", Err: syscall.EADDRINUSE}); !strings.HasPrefix(got, "无法open port 3333：该端口已被") {
		t.Errorf("port in use: %q", got)
	}
}
