"""``hnode hl7 listen``: receive live HL7 v2 feeds over MLLP."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

hl7_app = typer.Typer(help="HL7 v2 live feeds over MLLP.", no_args_is_help=True)


@hl7_app.command("listen")
def listen(
    spool: Path = typer.Option(..., "--spool", help="Folder where acknowledged messages are kept."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(2575, "--port"),
) -> None:
    """Accept MLLP connections; ACK good messages after they are on disk, NAK bad ones, keep serving."""
    from connectors.mllp import MllpListener

    async def run() -> None:
        listener = MllpListener(spool)
        server = await listener.serve(host, port)
        typer.echo(f"MLLP listening on {host}:{port}, spooling to {spool}", err=True)
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
