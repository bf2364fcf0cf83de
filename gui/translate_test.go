package gui

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
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
				t.Errorf("%s: lang.L of something that is not a literal", fset.Position(call.Pos()))
			}
			return true
		})
	}
	return found
}

// TestChineseTranslationIsComplete: every string the window translates
// has its Simplified Chinese, with the same {{.Fields}}, and the file has
// nothing the window no longer uses.
func TestChineseTranslationIsComplete(t *testing.T) {
	b, err := os.ReadFile("translations/groupcast.zh_Hans.json")
	if err != nil {
		t.Fatal(err)
	}
	var zh map[string]string
	if err := json.Unmarshal(b, &zh); err != nil {
		t.Fatal(err)
	}
	used := uiStrings(t)
	if len(used) < 40 {
		t.Fatalf("only %d strings found: the scan is broken", len(used))
	}
	for s, at := range used {
		tr, ok := zh[s]
		if !ok || tr == "" {
			t.Errorf("%s: no Chinese for %q", at, s)
			continue
		}
		for _, f := range strings.Split(s, "{{")[1:] {
			if field, _, _ := strings.Cut(f, "}}"); !strings.Contains(tr, "{{"+field+"}}") {
				t.Errorf("the Chinese of %q lacks {{%s}}", s, field)
			}
		}
	}
	for s := range zh {
		if _, ok := used[s]; !ok {
			t.Errorf("translations/groupcast.zh_Hans.json has %q, which the window no longer uses", s)
		}
	}
}
