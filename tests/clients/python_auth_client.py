#!/usr/bin/env python3
"""Real-client check of an mcpserve server behind OAuth (examples/auth.rs), using the
official Python MCP SDK against a real authorization server.

Usage:
    python tests/clients/python_auth_client.py --issuer ISSUER_URL [--timeout SECONDS] URL

URL is the MCP endpoint of `examples/auth.rs` (e.g. http://127.0.0.1:8080/mcp), started
with `--issuer ISSUER_URL`; ISSUER_URL is an OAuth authorization server that grants the
client-credentials grant with any client id and the requested scope, and puts the RFC 8707
`resource` into `aud` (tests/oauth/issuer.mjs: oauth2-mock-server).

Checks, in both eras (legacy = session era, modern = 2026-07-28):
  * without a token: 401 with `WWW-Authenticate: Bearer resource_metadata=...`; the
    metadata document (RFC 9728) names the resource, the issuer and the declared scopes;
  * the SDK's own OAuth flow (ClientCredentialsOAuthProvider): 401 -> metadata discovery ->
    authorization server metadata -> token (with `resource`) -> whoami, write_note,
    read_notes, purge_notes;
  * a token lacking a scope: read_notes works, purge_notes is refused with the 403
    `insufficient_scope` challenge naming every scope it needs (raw HTTP and through the SDK);
  * `notes` implies the notes:* scopes; a token for another audience gets 401 invalid_token.
Prints one line per check, then `python auth client: N passed, M failed`; exits 0 only when
every check passed (1 on any failure or timeout, 2 on bad usage).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    import anyio
    import httpx2
    from mcp import ClientSession
    from mcp.client.auth.extensions.client_credentials import ClientCredentialsOAuthProvider
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
    from mcp.shared.exceptions import MCPError

    from python_stdio_client import CLIENT_INFO, Checks, describe, negotiate, texts
except ImportError as exc:  # pragma: no cover - environment problem, not a test failure
    print(
        f"python auth client: cannot import the MCP SDK ({exc}); install it with "
        "`pip install -r tests/clients/requirements.txt`",
        file=sys.stderr,
    )
    sys.exit(2)

ERAS = ("legacy", "modern")
ALL_NOTES = ["notes:delete", "notes:read", "notes:write"]


class MemoryStorage:
    """The SDK's token storage, in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


def challenge_field(header: str, name: str) -> str | None:
    m = re.search(rf'{name}="([^"]*)"', header)
    return m.group(1) if m else None


async def token(issuer: str, client_id: str, scope: str, resource: str) -> str:
    async with httpx2.AsyncClient() as http:
        res = await http.post(
            f"{issuer}/token",
            data={"grant_type": "client_credentials", "scope": scope, "resource": resource},
            auth=(client_id, "secret"),
        )
        res.raise_for_status()
        return res.json()["access_token"]


def raw_call(url: str, tool: str, bearer: str | None) -> httpx2.Request:
    """A session-era `tools/call` (the endpoint checks scopes before it looks at sessions)."""
    headers = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
    if bearer:
        headers["authorization"] = f"Bearer {bearer}"
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": {}}}
    return httpx2.Request("POST", url, headers=headers, content=json.dumps(body))


async def check_discovery(url: str, issuer: str, checks: Checks) -> None:
    origin = url.split("/mcp")[0]
    metadata_url = f"{origin}/.well-known/oauth-protected-resource/mcp"

    async def unauthenticated() -> None:
        async with httpx2.AsyncClient() as http:
            res = await http.send(raw_call(url, "whoami", None))
        assert res.status_code == 401, f"expected 401, got {res.status_code}"
        header = res.headers.get("www-authenticate", "")
        assert header.startswith("Bearer "), f"challenge {header!r}"
        assert challenge_field(header, "resource_metadata") == metadata_url, f"challenge {header!r}"

    async def metadata() -> None:
        async with httpx2.AsyncClient() as http:
            for path in (metadata_url, f"{origin}/.well-known/oauth-protected-resource"):
                doc = (await http.get(path)).json()
                assert doc["resource"] == url, f"resource {doc.get('resource')!r}"
                assert doc["authorization_servers"] == [issuer], f"{doc}"
                assert doc["scopes_supported"] == ALL_NOTES, f"{doc}"
                assert doc["bearer_methods_supported"] == ["header"], f"{doc}"

    async def query_token() -> None:
        async with httpx2.AsyncClient() as http:
            good = await token(issuer, "query-client", "notes", url)
            res = await http.post(f"{url}?access_token={good}", json={})
        assert res.status_code == 401, f"expected 401, got {res.status_code}"
        assert good not in res.text and good not in str(res.headers), "the token was echoed"

    await checks.run("401 without a token, with resource_metadata", unauthenticated)
    await checks.run("protected resource metadata (path and root)", metadata)
    await checks.run("a token in the query string is refused", query_token)


async def check_sdk_flow(url: str, issuer: str, era: str, timeout: float, checks: Checks) -> None:
    """The SDK discovers everything from the 401 and gets its own token."""
    provider = ClientCredentialsOAuthProvider(
        server_url=url,
        storage=MemoryStorage(),
        client_id=f"sdk-{era}",
        client_secret="secret",
        issuer=issuer,
    )
    async with httpx2.AsyncClient(auth=provider, timeout=timeout) as http:
        async with streamable_http_client(url, http_client=http) as (read, write):
            async with ClientSession(read, write, read_timeout_seconds=timeout, client_info=CLIENT_INFO) as session:
                await negotiate(session, era, checks)

                async def whoami() -> None:
                    result = await session.call_tool("whoami", {})
                    assert texts(result) == [f"sdk-{era}"], describe(result)

                async def notes() -> None:
                    note = f"from {era}"
                    written = await session.call_tool("write_note", {"text": note})
                    assert not written.is_error, describe(written)
                    listed = await session.call_tool("read_notes", {})
                    assert note in json.dumps(listed.model_dump(mode="json")), describe(listed)
                    purged = await session.call_tool("purge_notes", {})
                    assert not purged.is_error, describe(purged)

                await checks.run(f"[{era}] SDK OAuth flow: whoami is the client's sub", whoami)
                await checks.run(f"[{era}] SDK OAuth flow: write, read, purge", notes)


async def check_scopes(url: str, issuer: str, era: str, timeout: float, checks: Checks) -> None:
    read_only = await token(issuer, f"reader-{era}", "notes:read", url)
    umbrella = await token(issuer, f"owner-{era}", "notes", url)
    elsewhere = await token(issuer, f"lost-{era}", "notes", "http://127.0.0.1:1/other")

    async def challenge() -> None:
        async with httpx2.AsyncClient() as http:
            res = await http.send(raw_call(url, "purge_notes", read_only))
        assert res.status_code == 403, f"expected 403, got {res.status_code}"
        header = res.headers.get("www-authenticate", "")
        assert challenge_field(header, "error") == "insufficient_scope", header
        assert challenge_field(header, "scope") == "notes:delete notes:write", header
        assert challenge_field(header, "resource_metadata"), header

    async def wrong_audience() -> None:
        async with httpx2.AsyncClient() as http:
            res = await http.send(raw_call(url, "whoami", elsewhere))
        assert res.status_code == 401, f"expected 401, got {res.status_code}"
        assert challenge_field(res.headers.get("www-authenticate", ""), "error") == "invalid_token"

    await checks.run(f"[{era}] 403 insufficient_scope challenge names every needed scope", challenge)
    await checks.run(f"[{era}] a token for another audience gets 401 invalid_token", wrong_audience)

    for name, bearer in (("notes:read", read_only), ("notes", umbrella)):
        headers = {"authorization": f"Bearer {bearer}"}
        async with httpx2.AsyncClient(headers=headers, timeout=timeout) as http:
            async with streamable_http_client(url, http_client=http) as (read, write):
                async with ClientSession(read, write, read_timeout_seconds=timeout, client_info=CLIENT_INFO) as s:
                    await negotiate(s, era, checks)

                    async def can_read() -> None:
                        result = await s.call_tool("read_notes", {})
                        assert not result.is_error, describe(result)

                    async def purge() -> None:
                        if name == "notes":
                            result = await s.call_tool("purge_notes", {})
                            assert not result.is_error, describe(result)
                            return
                        try:
                            result = await s.call_tool("purge_notes", {})
                        except MCPError as exc:
                            assert exc.code == -32011, f"code {exc.code}: {exc}"
                            assert "notes:delete notes:write" in str(exc), str(exc)
                        else:
                            raise AssertionError(f"purge_notes succeeded with notes:read: {describe(result)}")

                    await checks.run(f"[{era}] SDK with a {name} token: read_notes", can_read)
                    verdict = "allowed (hierarchy)" if name == "notes" else "refused with -32011"
                    await checks.run(f"[{era}] SDK with a {name} token: purge_notes {verdict}", purge)


async def main_async(args: argparse.Namespace, checks: Checks) -> None:
    print(f"python auth client: {args.url} (issuer {args.issuer})", flush=True)
    await check_discovery(args.url, args.issuer, checks)
    for era in ERAS:
        print(f"[{era}]", flush=True)
        try:
            await check_sdk_flow(args.url, args.issuer, era, args.timeout, checks)
            await check_scopes(args.url, args.issuer, era, args.timeout, checks)
        except Exception as exc:  # noqa: BLE001 - a broken connection fails the era, not the run
            traceback.print_exc()
            checks.fail(f"[{era}] connection", f"{type(exc).__name__}: {exc}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--issuer", required=True, help="the authorization server's issuer URL")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default 30)")
    parser.add_argument("url", help="the MCP endpoint, e.g. http://127.0.0.1:8080/mcp")
    args = parser.parse_args()
    checks = Checks()
    try:
        anyio.run(run_bounded, args, checks)
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc()
        checks.fail("run", f"{type(exc).__name__}: {exc}")
    print(f"python auth client: {len(checks.passed)} passed, {len(checks.failed)} failed", flush=True)
    return 0 if not checks.failed else 1


async def run_bounded(args: argparse.Namespace, checks: Checks) -> None:
    with anyio.fail_after(args.timeout * 10):
        await main_async(args, checks)


if __name__ == "__main__":
    sys.exit(main())
