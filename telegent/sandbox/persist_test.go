package sandbox

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"telegent-bulk/telegent"
)

func TestDataFileSurvivesCloseAndNew(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "sandbox.db")
	opts := Options{Seed: 5, DataFile: file, PortStep: time.Hour, TokenTTL: 1000 * time.Hour}

	s1, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c1 := serve(t, s1)
	f := c1.fixture()
	p := c1.provision(f)
	c1.mustPost(telegent.PathSubscriptions, telegent.SubscriptionCreateRequest{SubscriberId: f.subscriber, PackageId: packages[0].PackageId, Type: "mvno", TNID: p.PhoneNumberId}, nil)
	c1.mustPost(telegent.PathMessageFilter, telegent.MessageFilterRequest{SubscriberId: f.subscriber, Phone: p.PhoneNumberAssigned}, nil)
	c1.mustPost(telegent.PathPortOut, telegent.PortOutRequest{PortOutNumber: "+13855550100", PortOutPIN: "1234"}, nil)
	var port telegent.PortInResponse
	c1.mustPost(telegent.PathPortIn, portInRequest("+18015559912"), &port)
	s1.Advance(2 * time.Hour) // rejected PIN_INVALID
	c1.mustPost(telegent.PathPortInUpdate, telegent.PortInUpdateRequest{OrderId: port.OrderId, CurrentAccountPassword: "0550"}, nil)
	wantOrder(t, c1, port.OrderId, "Pending Carrier Approval", "", 1) // the same PIN is no fix
	s1.Advance(2 * time.Hour)                                         // rejected again
	before := c1.stateJSON()
	if _, err := New(opts); err == nil || !strings.Contains(err.Error(), "another process") {
		t.Errorf("second New on an open data file: %v, want an error saying it is in use", err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	s2, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c2 := serve(t, s2)
	if after := c2.stateJSON(); !bytes.Equal(before, after) {
		t.Errorf("state after reopening differs:\nbefore %s\nafter  %s", before, after)
	}
	if s2.Now().Before(time.Now().Add(time.Hour)) {
		t.Errorf("virtual clock %v lost its advance", s2.Now())
	}
	// The key that signs tokens is not in the file: a token from before the
	// restart is refused, and a client authenticates again.
	if status, _ := c2.raw(http.MethodPost, telegent.PathAccountCreate, c1.tokens[telegent.PathAccountCreate], telegent.AccountCreateRequest{AccountName: "old token"}); status != http.StatusUnauthorized {
		t.Errorf("token issued before the restart: %d, want 401", status)
	}
	wantOrder(t, c2, port.OrderId, "Rejected", "PIN_INVALID", 2)
	// The digest of the old PIN was not saved either (documented fidelity
	// limit): after a restart, any PIN an update supplies counts as new.
	c2.mustPost(telegent.PathPortInUpdate, telegent.PortInUpdateRequest{OrderId: port.OrderId, CurrentAccountPassword: "0550"}, nil)
	wantOrder(t, c2, port.OrderId, "Submitted", "", 2)
	if status, eb := c2.post(telegent.PathSubscriberCreate, telegent.SubscriberCreateRequest{Name: "A", Email: "ann1@example.com", PhoneNumbers: []string{}, Role: "Subscriber", Password: "x", AccountId: f.account}, nil); status != http.StatusBadRequest || eb.Message != "Email already exists" {
		t.Errorf("duplicate email after reopening: %d %q, want 400 Email already exists (indexes rebuilt)", status, eb.Message)
	}

	// The ID generator carries on where it stopped instead of replaying the seed.
	var old State
	json.Unmarshal(before, &old)
	var a telegent.Account
	c2.mustPost(telegent.PathAccountCreate, telegent.AccountCreateRequest{AccountName: "after"}, &a)
	if slices.ContainsFunc(old.Accounts, func(x telegent.Account) bool { return x.AccountId == a.AccountId }) {
		t.Errorf("new account reused the ID %s", a.AccountId)
	}
}

// TestHelperSandboxProcess is not a test: TestDataFileSurvivesKill runs the
// test binary with it to get a sandbox process it can kill.
func TestHelperSandboxProcess(t *testing.T) {
	file := os.Getenv("SANDBOX_HELPER_DATA_FILE")
	if file == "" {
		t.Skip("helper process for TestDataFileSurvivesKill")
	}
	s, err := New(Options{Seed: 9, DataFile: file})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr())
	http.Serve(ln, s) // until killed
}

func TestDataFileSurvivesKill(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a process")
	}
	file := filepath.Join(t.TempDir(), "sandbox.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSandboxProcess$")
	cmd.Env = append(os.Environ(), "SANDBOX_HELPER_DATA_FILE="+file)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.HasPrefix(addr, "error") {
		t.Fatalf("helper process: %q %v", addr, err)
	}
	c := &client{t: t, base: "http://" + strings.TrimSpace(addr), hc: &http.Client{Timeout: 10 * time.Second}, tokens: map[string]string{}}
	f := c.fixture()
	p := c.provision(f)
	var port telegent.PortInResponse
	c.mustPost(telegent.PathPortIn, portInRequest("+18015550999"), &port)

	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no deferred call, no Close
		t.Fatal(err)
	}
	cmd.Wait()

	s, err := New(Options{DataFile: file})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st := s.State()
	has := func(what string, ok bool) {
		if !ok {
			t.Errorf("after kill -9 the data file lacks %s", what)
		}
	}
	has("the account", slices.ContainsFunc(st.Accounts, func(a telegent.Account) bool { return a.AccountId == f.account }))
	has("the subscriber", slices.ContainsFunc(st.Subscribers, func(s telegent.Subscriber) bool { return s.SubscriberId == f.subscriber }))
	has("the routes", len(st.MessageRoutes) == 1 && len(st.VoiceRoutes) == 1)
	has("the provisioned number", slices.ContainsFunc(st.Numbers, func(n telegent.Number) bool { return n.PhoneNumberId == p.PhoneNumberId }))
	has("the port-in order", slices.ContainsFunc(st.Orders, func(o telegent.OrderDetails) bool { return o.OrderId == port.OrderId }))
}

func TestDataFileHoldsNoKeyOrDigest(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "sandbox.db")
	s, err := New(Options{Seed: 3, DataFile: file, PortStep: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	c := serve(t, s)
	pins := []string{"4821", "7310", "5092"}
	req := portInRequest("+18015559912")
	req.CurrentAccountPassword = pins[0]
	var port telegent.PortInResponse
	c.mustPost(telegent.PathPortIn, req, &port)
	c.mustPost(telegent.PathPortInUpdate, telegent.PortInUpdateRequest{OrderId: port.OrderId, CurrentAccountPassword: pins[1]}, nil)
	c.mustPost(telegent.PathPortOut, telegent.PortOutRequest{PortOutNumber: "+13855550103", PortOutPIN: pins[2]}, nil)

	key, tokenKey := slices.Clone(s.st.key), slices.Clone(s.tokenKey)
	var digests []string
	for _, pin := range pins {
		digests = append(digests, s.st.secretDigest(pin))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	disk, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// Whoever holds the key and a digest tries the 10,000 4-digit PINs.
	if bytes.Contains(disk, key) || bytes.Contains(disk, tokenKey) {
		t.Errorf("the data file holds the process's key")
	}
	for i, d := range digests {
		raw, _ := hex.DecodeString(d)
		if bytes.Contains(disk, []byte(d)) || bytes.Contains(disk, raw) {
			t.Errorf("the data file holds the digest of PIN %d", i)
		}
	}
}

// TestVersion1FileIsRewritten opens a file as the sandbox wrote it before
// keys and digests left the data file, and checks that both are gone from
// it afterwards, the state being unchanged.
func TestVersion1FileIsRewritten(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "sandbox.db")
	opts := Options{Seed: 4, DataFile: file, PortStep: time.Hour}
	s1, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c1 := serve(t, s1)
	var port telegent.PortInResponse
	c1.mustPost(telegent.PathPortIn, portInRequest("+18015559912"), &port)
	s1.Advance(2 * time.Hour)
	before := c1.stateJSON()
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	// Make it a version 1 file: a key in the meta bucket, a digest in the
	// port-in order's row.
	oldKey := []byte("0123456789abcdef-old-key-32bytes")
	const oldDigest = "5eed0f01d16e570f5eed0f01d16e570f5eed0f01d16e570f5eed0f01d16e570f"
	db, err := bolt.Open(file, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(metaBucket)
		if err := meta.Put(metaSchema, []byte("1")); err != nil {
			return err
		}
		if err := meta.Put([]byte("key"), oldKey); err != nil {
			return err
		}
		orders := tx.Bucket([]byte("orders"))
		return orders.ForEach(func(k, v []byte) error {
			var row map[string]any
			if err := json.Unmarshal(v, &row); err != nil {
				return err
			}
			p, ok := row["Port"].(map[string]any)
			if !ok {
				return nil
			}
			p["PasswordHash"] = oldDigest
			data, err := json.Marshal(row)
			if err != nil {
				return err
			}
			return orders.Put(k, data)
		})
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if disk, _ := os.ReadFile(file); !bytes.Contains(disk, oldKey) || !bytes.Contains(disk, []byte(oldDigest)) {
		t.Fatal("test setup: the version 1 file lacks its key or digest")
	}

	s2, err := New(opts)
	if err != nil {
		t.Fatalf("New on a version 1 file: %v", err)
	}
	c2 := serve(t, s2)
	if after := c2.stateJSON(); !bytes.Equal(before, after) {
		t.Errorf("state after the rewrite differs:\nbefore %s\nafter  %s", before, after)
	}
	wantOrder(t, c2, port.OrderId, "Rejected", "PIN_INVALID", 1)
	disk, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(disk, oldKey) || bytes.Contains(disk, []byte(oldDigest)) {
		t.Errorf("the rewritten data file still holds the old key or digest")
	}
	if _, err := os.Stat(file + ".rewrite"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the rewrite left its temporary file: %v", err)
	}
	// The rewritten file is in use: changes land in it.
	var a telegent.Account
	c2.mustPost(telegent.PathAccountCreate, telegent.AccountCreateRequest{AccountName: "after rewrite"}, &a)
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	s3, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()
	if !slices.ContainsFunc(s3.State().Accounts, func(x telegent.Account) bool { return x.AccountId == a.AccountId }) {
		t.Errorf("an account created after the rewrite is not in the file")
	}
}
