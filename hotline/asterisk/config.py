"""Render the managed Asterisk's whole configuration into `<home>/asterisk/etc` from templates and
data (profile, settings, generated secrets). Nothing is written to /etc/asterisk."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from hotline.config.profile import Profile
from hotline.credentials import Credentials
from hotline.dialplans.render import dialplan_context
from hotline.settings import Settings

TEMPLATES = [Path(__file__).parent / "templates", Path(__file__).parent.parent / "dialplans" / "templates"]
MODULE_DIR = "/usr/lib/asterisk/modules"
DATA_DIR = Path("/usr/share/asterisk")  # the distribution's sounds, documentation, keys

# Channel variables every AMI channel event carries (see docs/interfaces.md).
CHANNEL_VARS = ["HOTLINE_LINKEDID", "HOTLINE_TOPIC", "HOTLINE_QUEUE", "HOTLINE_IVR_PATH",
                "HOTLINE_TICKET_CODE", "HOTLINE_EXIT_REASON", "HOTLINE_RECORDING", "HOTLINE_DIRECTION",
                "HOTLINE_AGENT", "HOTLINE_CITIZEN", "HOTLINE_VHOLD", "HOTLINE_URGENT"]

MODULES = [
    # core services
    "res_timing_timerfd.so", "res_crypto.so", "res_http_websocket.so", "res_musiconhold.so",
    "res_agi.so", "res_rtp_asterisk.so", "res_srtp.so", "res_sorcery_config.so", "res_sorcery_memory.so",
    "res_sorcery_astdb.so", "res_monitor.so", "res_speech.so",
    # SIP (PJSIP) for the trunk and for browsers over WebSocket
    "res_pjproject.so", "res_pjsip.so", "res_pjsip_session.so", "chan_pjsip.so",
    "res_pjsip_authenticator_digest.so", "res_pjsip_outbound_authenticator_digest.so",
    "res_pjsip_endpoint_identifier_ip.so", "res_pjsip_endpoint_identifier_user.so",
    "res_pjsip_registrar.so", "res_pjsip_sdp_rtp.so", "res_pjsip_dtmf_info.so", "res_pjsip_caller_id.so",
    "res_pjsip_nat.so", "res_pjsip_rfc3326.so", "res_pjsip_transport_websocket.so", "res_pjsip_acl.so",
    "res_pjsip_path.so", "res_pjsip_diversion.so", "res_pjsip_refer.so", "res_pjsip_pubsub.so",
    "res_pjsip_logger.so", "res_pjsip_outbound_registration.so", "res_pjsip_dlg_options.so",
    # codecs and file formats
    "codec_alaw.so", "codec_ulaw.so", "codec_a_mu.so", "codec_gsm.so", "codec_resample.so",
    "format_wav.so", "format_pcm.so", "format_sln.so", "format_gsm.so", "format_wav_gsm.so",
    # bridging and applications
    "bridge_simple.so", "bridge_native_rtp.so", "bridge_softmix.so", "bridge_holding.so",
    "bridge_builtin_features.so", "app_queue.so", "app_mixmonitor.so", "app_dial.so", "app_playback.so",
    "app_verbose.so", "app_stack.so", "app_read.so", "app_senddtmf.so", "app_chanspy.so", "app_echo.so",
    "app_exec.so", "app_originate.so", "app_transfer.so", "app_attended_transfer.so",
    "app_blind_transfer.so", "app_bridgewait.so", "app_softhangup.so", "app_userevent.so",
    "app_controlplayback.so",  # AMI ControlPlayback: the IVR's key tap stops a prompt (ivr/keys.py)
    # dialplan and functions
    "pbx_config.so", "func_channel.so", "func_strings.so", "func_logic.so", "func_callerid.so",
    "func_global.so", "func_timeout.so", "func_cut.so", "func_math.so", "func_hangupcause.so",
    "func_pjsip_endpoint.so", "func_pjsip_contact.so", "func_pjsip_aor.so", "func_uri.so",
    "func_devstate.so", "func_sorcery.so",
]


def data_overlay(ast_dir: Path, prompts_dir: Path, shipped: Path = DATA_DIR) -> Path:
    """Asterisk's data directory: the distribution's, entry by entry (symbolic links), with the
    hotline's spoken prompts as the sounds of the language `vi`. Asterisk finds the files it says
    numbers with by language ("digits/5" -> sounds/vi/digits/5), so that its queues announce a
    caller's position in Vietnamese; nothing is written under /usr/share."""
    data = ast_dir / "data"
    sounds = data / "sounds"
    sounds.mkdir(parents=True, exist_ok=True)
    links = {data / e.name: e for e in (shipped.iterdir() if shipped.is_dir() else []) if e.name != "sounds"}
    shipped_sounds = shipped / "sounds"
    links.update({sounds / e.name: e for e in (shipped_sounds.iterdir() if shipped_sounds.is_dir() else [])
                  if e.name != "vi"})
    links[sounds / "vi"] = prompts_dir
    for link, target in links.items():
        if link.is_symlink() and link.readlink() == target:
            continue
        if link.is_symlink():
            link.unlink()
        elif link.exists():
            continue  # not ours to replace
        link.symlink_to(target)
    return data


def render_asterisk_config(settings: Settings, profile: Profile, creds: Credentials) -> Path:
    """Write every configuration file; return the path of the rendered asterisk.conf."""
    ast_dir = settings.asterisk_dir
    etc_dir = ast_dir / "etc"
    for sub in ("etc", "lib", "keys", "agi-bin", "spool", "run", "log"):
        (ast_dir / sub).mkdir(parents=True, exist_ok=True)
    settings.recordings_spool.mkdir(parents=True, exist_ok=True)
    env = Environment(loader=FileSystemLoader([str(t) for t in TEMPLATES]), undefined=StrictUndefined,
                      keep_trailing_newline=True, trim_blocks=False)
    context = {
        "ast_dir": ast_dir,
        "data_dir": data_overlay(ast_dir, settings.prompts_dir),
        "etc_dir": etc_dir,
        "module_dir": MODULE_DIR,
        "modules": MODULES,
        "ports": settings.ports,
        "sip_bind": settings.sip_bind,
        "trunk_match": settings.trunk_match,
        "operator_networks": settings.operator_networks,
        "sip_edge": settings.sip_edge,
        "sip_edge_host": settings.sip_edge_host,
        "ws_bind": settings.ws_bind,
        "ws_bind_port": (f"[{settings.ws_bind}]" if ":" in settings.ws_bind else settings.ws_bind)
        + f":{settings.ports.http}",
        "sip_sources": list(dict.fromkeys([*settings.trunk_match, *settings.operator_networks,
                                           *settings.sip_extra_permit,
                                           *([settings.sip_edge_host] if settings.sip_edge else []),
                                           *(m for r in settings.routes.values() for m in r.match)])),
        "ami_user": creds.ami_user,
        "ami_secret": creds.ami_secret,
        "channel_vars": CHANNEL_VARS,
        "operators": profile.queues.phones(),
        "queues": profile.queues.queues,
        "moh_dir": settings.moh_dir,
        "recordings_spool": settings.recordings_spool,
        "prompts_dir": settings.prompts_dir,
        "bench_baseline": settings.bench_baseline,
        "bench_agents": settings.bench_agents,
        "routes": settings.routes,
        "operator_rtp_timeout": settings.operator_rtp_timeout,
        **dialplan_context(profile),
    }
    for template in env.list_templates(extensions=["j2"]):
        target = etc_dir / template[: -len(".j2")]
        text = env.get_template(template).render(context)
        if not target.exists() or target.read_text() != text:
            tmp = target.with_name(target.name + ".tmp")
            tmp.write_text(text)
            if template in ("manager.conf.j2", "pjsip.conf.j2"):
                tmp.chmod(0o600)  # they hold secrets
            tmp.replace(target)
    return etc_dir / "asterisk.conf"
