package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shiliu/internal/auth"
	"shiliu/internal/cli"
	"shiliu/internal/dbtest"
)

// run runs the command line and returns stdout, stderr and the error.
func run(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := cli.Run(context.Background(), args, cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, ArgonMemoryKiB: auth.TestArgon2().MemoryKiB})
	return out.String(), errb.String(), err
}

func TestCommands(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			common := []string{"--data", dir}
			if engine == "postgres" {
				common = append(common, "--db", dbtest.PostgresDSN(t))
			}
			must := func(stdin string, args ...string) string {
				t.Helper()
				out, errOut, err := run(t, stdin, args...)
				if err != nil {
					t.Fatalf("shiliu %s: %v\n%s", strings.Join(args, " "), err, errOut)
				}
				return out
			}
			// Flags before the arguments…
			must("", append(append([]string{"org", "add"}, common...), "S1", "和平街道", "街道")...)
			// …and after them.
			must("", append([]string{"org", "add", "C1", "福安里居委会", "居委", "--parent", "S1"}, common...)...)

			out := must("", append([]string{"user", "add", "admin", "--role", "street_admin", "--org", "S1", "--name", "马国明"}, common...)...)
			if !strings.Contains(out, "first password") {
				t.Fatalf("user add should print the generated password once: %q", out)
			}
			must("a long enough password\n", append([]string{"user", "add", "clerk", "--role", "committee_staff", "--org", "C1", "--password-stdin"}, common...)...)

			// A role that does not exist is refused with a readable reason.
			_, _, err := run(t, "", append([]string{"user", "add", "x1", "--role", "king", "--org", "S1"}, common...)...)
			if err == nil || !strings.Contains(err.Error(), "role") {
				t.Fatalf("unknown role: %v", err)
			}
			list := must("", append([]string{"user", "list"}, common...)...)
			if !strings.Contains(list, "admin") || !strings.Contains(list, "clerk") || !strings.Contains(list, "福安里居委会") {
				t.Fatalf("user list:\n%s", list)
			}
			must("", append([]string{"user", "disable", "clerk"}, common...)...)
			list = must("", append([]string{"user", "list"}, common...)...)
			if !strings.Contains(list, "disabled") {
				t.Fatalf("disabled user not shown as such:\n%s", list)
			}
			out = must("", append([]string{"user", "passwd", "admin"}, common...)...)
			if !strings.Contains(out, "new password") {
				t.Fatalf("passwd: %q", out)
			}

			// org import: a good file (dry run writes nothing, then for real)
			// and a bad one (an error naming the row, nothing applied).
			good := filepath.Join(t.TempDir(), "tree.csv")
			os.WriteFile(good, []byte("编码,名称,上级编码,类型,年份,户籍人口,流动人口\nC2,新华居委会,S1,居委,2026,6200,900\nB1,1号楼组,C2,楼组,,,\n"), 0o644)
			out = must("", append([]string{"org", "import", good, "--dry-run"}, common...)...)
			if !strings.Contains(out, "2 created") || !strings.Contains(out, "dry run") {
				t.Fatalf("dry run: %q", out)
			}
			out = must("", append([]string{"org", "import", good}, common...)...)
			if !strings.Contains(out, "2 created") {
				t.Fatalf("import: %q", out)
			}
			out = must("", append([]string{"org", "import", good}, common...)...)
			if !strings.Contains(out, "0 created") || !strings.Contains(out, "2 unchanged") {
				t.Fatalf("re-import: %q", out)
			}
			bad := filepath.Join(t.TempDir(), "bad.csv")
			os.WriteFile(bad, []byte("编码,名称,上级编码,类型\nC3,东昌居委会,S1,居委\nB9,9号楼组,NOPE,楼组\n"), 0o644)
			_, errOut, err := run(t, "", append([]string{"org", "import", bad}, common...)...)
			if err == nil || !strings.Contains(errOut, "第 3 行") || !strings.Contains(errOut, "NOPE") {
				t.Fatalf("bad import: err %v, stderr %q", err, errOut)
			}
			// C3 from the rejected file was not created: its code is still free.
			must("", append([]string{"org", "add", "C3", "东昌居委会", "居委", "--parent", "S1"}, common...)...)
		})
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"user"}, {"org", "add", "only-one-arg", "--data", t.TempDir()}, {"serve", "extra", "--data", t.TempDir()}} {
		if _, _, err := run(t, "", args...); err == nil {
			t.Errorf("shiliu %v: want an error", args)
		}
	}
	out, _, err := run(t, "", "version")
	if err != nil || !strings.HasPrefix(out, "shiliu ") {
		t.Fatalf("version: %q %v", out, err)
	}
}
