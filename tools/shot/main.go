// Command shot logs in to a running Shiliu and saves full-page screenshots
// of the given paths at desktop and phone widths, for looking at pages
// while developing: go run ./tools/shot -url http://127.0.0.1:8080 -user admin -pass … / /org
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "base URL")
	user := flag.String("user", "", "username (empty: no login)")
	pass := flag.String("pass", "", "password")
	out := flag.String("out", "/tmp/shots", "output directory")
	print := flag.Bool("print", false, "emulate print media (how a page prints)")
	flag.Parse()
	os.MkdirAll(*out, 0o755)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath("/usr/bin/chromium"), chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true), chromedp.Flag("lang", "zh-CN"))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if *user != "" {
		err := chromedp.Do(ctx, chromedp.Navigate(*base+"/login"), chromedp.SendKeys(`input[name=username]`, *user),
			chromedp.SendKeys(`input[name=password]`, *pass), chromedp.Click(`button[type=submit]`), chromedp.Sleep(500*time.Millisecond))
		if err != nil {
			log.Fatal(err)
		}
	}
	if *print {
		err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return err
		}))
		if err != nil {
			log.Fatal(err)
		}
	}
	for _, p := range flag.Args() {
		for _, w := range []int64{1280, 375} {
			err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 800), chromedp.Navigate(*base+p), chromedp.Sleep(300*time.Millisecond))
			if err != nil {
				log.Fatal(err)
			}
			buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				log.Fatal(err)
			}
			name := strings.Trim(strings.NewReplacer("/", "_", "?", "_", "=", "_", "&", "_").Replace(p), "_")
			if name == "" {
				name = "home"
			}
			if *print {
				name += "-print"
			}
			f := filepath.Join(*out, fmt.Sprintf("%s-%d.png", name, w))
			os.WriteFile(f, buf, 0o644)
			fmt.Println(f)
			// the first screen, as a phone shows it
			if top, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
				os.WriteFile(filepath.Join(*out, fmt.Sprintf("%s-%d-top.png", name, w)), top, 0o644)
			}
		}
	}
}
