"""Schemathesis, a property-based tester, sends each operation requests
that break its spec (wrong types, values outside an enum, null where the
spec has no null, numbers past their format) and fails if the sandbox takes
one. What the sandbox refuses, the spec forbids: the two agree.

usage: negative.py SANDBOX_BINARY SCHEMAS_DIR WORK_DIR
"""

import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request

sandbox_binary, schemas, work = sys.argv[1:4]
st = os.path.join(os.path.dirname(sys.executable), "st")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


def user_token(mc):
    """A Mediaconnect user's access token, by the code flow."""
    redirect_uri = "https://shop.example/cb"
    query = urllib.parse.urlencode({"response_type": "code", "client_id": mc["client_id"],
                                    "redirect_uri": redirect_uri, "state": "s"})
    try:
        urllib.request.build_opener(NoRedirect).open(f"{mc['login_url']}/oauth/authorize?{query}")
        raise AssertionError("the login server did not redirect")
    except urllib.error.HTTPError as redirect:
        location = redirect.headers["location"]
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(location).query))["code"]
    form = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code,
                                   "redirect_uri": redirect_uri, "client_id": mc["client_id"],
                                   "client_secret": mc["client_secret"]}).encode()
    with urllib.request.urlopen(f"{mc['login_url']}/oauth/token", form) as answer:
        return json.load(answer)["access_token"]


sandbox = subprocess.Popen([sandbox_binary, "--port", "0", "--print-config", "--no-request-log"],
                           stdout=subprocess.PIPE, text=True)
failed = []
try:
    config = json.loads(sandbox.stdout.readline())
    dp = config["direct_payment"]
    settings = os.path.join(work, "schemathesis.toml")
    with open(settings, "w") as toml:
        # CONNECT's creates answer a malformed request with 402, as documented.
        toml.write('[checks.negative_data_rejection]\n'
                   'expected-statuses = ["400", "401", "402", "403", "404", "405", "406", "409", "415", "422"]\n'
                   f'[parameters]\n"path.serviceId" = {dp["service_id"]}\n')
    runs = {
        "connect-payment/openapi.yaml": (config["connect"]["url"], ["-a", f"{config['connect']['api_key']}:"]),
        "direct-payment/rest.yaml": (dp["rest_url"], ["-a", f"{dp['username']}:{dp['password']}"]),
        "puzzel-pay/openapi.yaml": (config["puzzel_pay"]["url"],
                                    ["-H", f"Authorization: Bearer {config['puzzel_pay']['jwt']}"]),
        "mediaconnect/openapi.yaml": (config["mediaconnect"]["api_url"],
                                      ["-H", f"Authorization: Bearer {user_token(config['mediaconnect'])}"]),
    }
    for spec, (url, auth) in runs.items():
        print(f"== {spec}", flush=True)
        run = subprocess.run([st, "--config-file", settings, "run", os.path.join(schemas, spec), "-u", url,
                              *auth, "-m", "negative", "-c", "negative_data_rejection", "-n", "30",
                              "--phases", "coverage,fuzzing", "--generation-deterministic",
                              "--suppress-health-check", "filter_too_much", "--no-color"],
                             capture_output=True, text=True)
        summary = [line for line in run.stdout.splitlines() if " generated," in line]
        print("\n".join(summary) or run.stdout[-2000:], flush=True)
        # "Schema Error" is schemathesis finding no invalid value to send
        # (a path parameter whose only invalid value is empty): no failure.
        accepted = "Failures:" in run.stdout
        other = run.returncode != 0 and "Schema Error" not in run.stdout
        if accepted or other:
            print(run.stdout[-6000:], file=sys.stderr)
            failed.append(spec)
finally:
    sandbox.terminate()
    sandbox.wait(timeout=10)
if failed:
    sys.exit(f"the sandbox took requests its spec forbids: {', '.join(failed)}")
print("the sandbox refused every request its specs forbid")
