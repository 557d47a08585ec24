"""``python -m emulator --port 8100``: serve the emulator until interrupted."""

import argparse
import dataclasses

import uvicorn

from emulator.app import create_app
from emulator.config import Config


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    parser.add_argument("--host", default=Config.host)
    parser.add_argument("--port", type=int, default=Config.port)
    parser.add_argument(
        "--time-scale",
        type=float,
        default=Config.time_scale,
        help="divide webhook retry waits and classifier delays by this (e.g. 3600)",
    )
    parser.add_argument("--shop-webhook-url", default="", help="Partner Center webhook URL")
    parser.add_argument("--shop-redirect-url", default="", help="Partner Center redirect URL")
    args = parser.parse_args()
    config = dataclasses.replace(
        Config(),
        host=args.host,
        port=args.port,
        time_scale=args.time_scale,
        shop_webhook_url=args.shop_webhook_url,
        shop_redirect_url=args.shop_redirect_url,
    )
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
