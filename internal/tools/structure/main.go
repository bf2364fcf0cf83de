// Command structure prints the figures the project holds its code to and
// fails when one is missed: package netconf's size, files over 400 lines,
// functions over 60 lines, and what the pure packages import.
//
//	go run ./internal/tools/structure [-root DIR]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// The figures (issue 29).
const (
	maxNetconfLines = 1500 // non-blank, non-test lines of package netconf
	maxFileLines    = 400  // lines of any non-test file
	maxFuncLines    = 60   // a function longer than this is "long"
	maxLongFuncs    = 5    // long functions allowed in the whole project
	module          = "github.com/groupcast/groupcast/"
)

// pure packages import nothing of the project but these.
var pure = map[string][]string{
	"netconf/wire":              {"netconf/wire"},
	"netconf/internal/seal":     {"netconf/wire"},
	"netconf/internal/reliable": {"netconf/wire"},
}

type fn struct {
	where string
	lines int
}

func main() {
	root := flag.String("root", ".", "the checkout")
	flag.Parse()
	ok := true
	fail := func(format string, args ...any) {
		fmt.Printf("FAIL "+format+"\n", args...)
		ok = false
	}

	files, err := goFiles(*root)
	if err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	var tr tree
	tr.imports = map[string]map[string]bool{}
	for _, f := range files {
		rel, _ := filepath.Rel(*root, f)
		if err := tr.measure(f, filepath.ToSlash(rel)); err != nil {
			fail("%s: %v", rel, err)
		}
	}
	for _, f := range tr.big {
		fail("%s: %d lines (at most %d)", f.where, f.lines, maxFileLines)
	}
	netconfLines, long, imports := tr.netconfLines, tr.long, tr.imports

	fmt.Printf("package netconf: %d non-blank non-test lines (at most %d)\n", netconfLines, maxNetconfLines)
	if netconfLines > maxNetconfLines {
		fail("package netconf is %d lines", netconfLines)
	}
	sort.Slice(long, func(i, j int) bool { return long[i].lines > long[j].lines })
	fmt.Printf("functions over %d lines: %d (at most %d)\n", maxFuncLines, len(long), maxLongFuncs)
	for _, f := range long {
		fmt.Printf("  %4d  %s\n", f.lines, f.where)
	}
	if len(long) > maxLongFuncs {
		fail("%d functions over %d lines", len(long), maxFuncLines)
	}
	checkPure(imports, fail)
	if !ok {
		os.Exit(1)
	}
	fmt.Println("structure: every figure met")
}

// checkPure fails a pure package that imports more of the project than
// the codec.
func checkPure(imports map[string]map[string]bool, fail func(string, ...any)) {
	var names []string
	for p := range pure {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		var bad []string
		for im := range imports[p] {
			if !contains(pure[p], im) {
				bad = append(bad, im)
			}
		}
		sort.Strings(bad)
		if len(bad) > 0 {
			fail("%s imports %s (only %s allowed)", p, strings.Join(bad, ", "), strings.Join(pure[p], ", "))
		} else {
			fmt.Printf("%s imports of the project: %s\n", p, orNone(imports[p]))
		}
	}
}

// goFiles lists the non-test Go files under root, leaving out hidden
// folders, testdata and dist.
func goFiles(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && p != root || d.Name() == "testdata" || d.Name() == "dist") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			files = append(files, p)
		}
		return nil
	})
	return files, err
}

// tree is what measure found so far.
type tree struct {
	fset         token.FileSet
	netconfLines int
	big, long    []fn
	imports      map[string]map[string]bool // folder -> project packages it imports
}

// measure adds one file (rel: its path in the checkout) to the figures.
func (t *tree) measure(path, rel string) error {
	dir := filepath.ToSlash(filepath.Dir(rel))
	total, nonBlank := count(path)
	if dir == "netconf" {
		t.netconfLines += nonBlank
	}
	if total > maxFileLines {
		t.big = append(t.big, fn{rel, total})
	}
	af, err := parser.ParseFile(&t.fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	for _, im := range af.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		if strings.HasPrefix(p, module) {
			if t.imports[dir] == nil {
				t.imports[dir] = map[string]bool{}
			}
			t.imports[dir][strings.TrimPrefix(p, module)] = true
		}
	}
	for _, decl := range af.Decls {
		d, ok := decl.(*ast.FuncDecl)
		if !ok || d.Body == nil {
			continue
		}
		name := d.Name.Name
		if d.Recv != nil && len(d.Recv.List) > 0 {
			name = recvName(d.Recv.List[0].Type) + "." + name
		}
		lines := t.fset.Position(d.End()).Line - t.fset.Position(d.Pos()).Line + 1
		if lines > maxFuncLines {
			t.long = append(t.long, fn{rel + " " + name, lines})
		}
	}
	return nil
}

func orNone(m map[string]bool) string {
	if len(m) == 0 {
		return "none"
	}
	var s []string
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func recvName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return recvName(t.X)
	case *ast.IndexExpr:
		return recvName(t.X)
	case *ast.IndexListExpr:
		return recvName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return "?"
}

// count returns a file's lines and its non-blank lines.
func count(path string) (total, nonBlank int) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		total++
		if strings.TrimSpace(s.Text()) != "" {
			nonBlank++
		}
	}
	return total, nonBlank
}
