package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"shiliu/internal/app"
	"shiliu/internal/auth"
	"shiliu/internal/config"
	"shiliu/internal/errs"
	"shiliu/internal/org"
)

// TestForgottenActorRefused walks every exported method of every domain
// service that takes an actor and calls it with none (a nil *auth.Actor)
// and with an IT role's account: a forgotten actor must be refused, never
// "see everything", and a role without the method's permission must be
// refused by the service itself, whatever route, job or command calls it.
// A new service method is covered without anyone adding it here.
func TestForgottenActorRefused(t *testing.T) {
	ctx := context.Background()
	cfg := config.Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", LogFormat: "text", LogLevel: "error", ShutdownTimeout: 5 * time.Second}
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	root, err := a.Org.Create(ctx, auth.System("test"), org.Input{Code: "S", Name: "和平街道", Kind: org.Subdistrict})
	if err != nil {
		t.Fatal(err)
	}
	// The audit admin holds only Self and AuditView: every data method
	// must refuse it.
	u, err := a.Auth.Create(ctx, auth.System("test"), auth.NewUser{Username: "auditor", Role: auth.AuditAdmin, OrgID: root.ID, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	auditor := u.Actor()

	actorType := reflect.TypeOf((*auth.Actor)(nil))
	ctxType := reflect.TypeOf((*context.Context)(nil)).Elem()
	// Methods an auditor may call: their own account.
	selfOK := map[string]bool{"Auth.SetLang": true, "Auth.Logout": true, "Auth.CreateToken": true, "Auth.Tokens": true, "Auth.RevokeToken": true,
		"Auth.Get": true, "Auth.SetPassword": true, "Cases.Notifications": true, "Cases.MarkRead": true,
		"Cases.Badges": true, "Cases.MyWork": true, "Org.Get": true, "Org.Tree": true, "Org.Children": true, "Org.Ancestors": true}
	services := map[string]any{"Auth": a.Auth, "Org": a.Org, "People": a.People, "Pairing": a.Pairing, "Cases": a.Cases, "Calendar": a.Calendar, "Activity": a.Activity, "Figures": a.Figures, "Festival": a.Festival,
		"Venue": a.Venue, "Partner": a.Partner,
		"Honour": a.Honour, "Budget": a.Budget, "Docs": a.Docs}
	checked := 0
	for name, svc := range services {
		v := reflect.ValueOf(svc)
		for i := 0; i < v.NumMethod(); i++ {
			m := v.Type().Method(i)
			mt := m.Type // receiver first
			errType := reflect.TypeOf((*error)(nil)).Elem()
			if mt.NumIn() < 3 || mt.In(1) != ctxType || mt.In(2) != actorType || mt.NumOut() == 0 || mt.Out(mt.NumOut()-1) != errType {
				continue
			}
			full := name + "." + m.Name
			for _, who := range []struct {
				label string
				a     *auth.Actor
			}{{"no actor", nil}, {"audit admin", auditor}} {
				if who.a != nil && selfOK[full] {
					continue
				}
				args := []reflect.Value{reflect.ValueOf(ctx), reflect.ValueOf(who.a)}
				for j := 3; j < mt.NumIn(); j++ {
					args = append(args, reflect.Zero(mt.In(j)))
				}
				err := call(v.Method(i), args, mt.IsVariadic())
				checked++
				if errs.KindOf(err) != errs.Forbidden {
					t.Errorf("%s with %s: %v, want refused (forbidden)", full, who.label, err)
				}
			}
		}
	}
	if checked < 60 {
		t.Errorf("only %d calls checked: the walk missed the services", checked)
	}
}

// call calls m and returns its last result as an error; a panic is an
// error too (a method that dereferences the actor before checking it).
func call(m reflect.Value, args []reflect.Value, variadic bool) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	var out []reflect.Value
	if variadic {
		out = m.CallSlice(args)
	} else {
		out = m.Call(args)
	}
	last := out[len(out)-1]
	if last.IsNil() {
		return nil
	}
	return last.Interface().(error)
}
