"""Development server: the WeChat stand-in and the API on one command (``make run``)."""
from __future__ import annotations

import os

from devtools.wechat_standin import StandIn

HOST = os.environ.get("HOST", "127.0.0.1")
PORT = int(os.environ.get("PORT", "5000"))
STANDIN_PORT = int(os.environ.get("STANDIN_PORT", "8701"))


def main() -> None:
    standin = StandIn(port=STANDIN_PORT, push_url=f"http://{HOST}:{PORT}/api/v1/wechat/push").start()
    os.environ["WECHAT_API_BASE"] = standin.url
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://{HOST}:{PORT}")  # photo links the periodic work hands out
    from backend.app import create_app

    app = create_app()
    base = f"http://{HOST}:{PORT}"
    print(
        f"\n网格通 is running on SQLite with the demo street 石门二路.\n"
        f"  API:           {base}/api/v1\n"
        f"  API docs:      {base}/api/docs   (OpenAPI: {base}/api/openapi.json)\n"
        f"  WeChat stand-in: {standin.url}\n"
        f"  Log in as a demo person: POST {base}/api/v1/auth/wechat-login "
        '{"code": "as:demo_leader_01"}  (also as:demo_admin, as:demo_member_001, as:demo_resident_001)\n',
        flush=True,
    )
    app.run(host=HOST, port=PORT, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
