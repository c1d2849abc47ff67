"""The dialplan's data: which numbers the line answers, and the variables passed to the template."""

from __future__ import annotations

from hotline.config.profile import Profile


def dialplan_context(profile: Profile) -> dict:
    menu = profile.menu
    queues = profile.queues.by_id()
    main = menu.nodes[menu.start]
    return {
        "numbers": profile.numbers.dialled_forms(),
        "fallback_queue": menu.fallback_queue,
        "fallback_timeout": queues[menu.fallback_queue].max_wait_seconds,
        "menu_timeout": int(menu.timeout_seconds),
        "greeting": menu.greeting or main.prompt,
        "main_prompt": main.prompt,
        "bench_number": "10229",
        # How long the INVITE to an operator waits for the screen pop to travel ahead of it.
        "pop_head_start_ms": 30,
        # The baseline menu: the top-level keys that queue directly.
        "transfer_ring_seconds": profile.transfers.ring_seconds,
        "outbound_ring_seconds": profile.outbound.ring_seconds,
        "virtual_hold": profile.virtual_hold,
        "survey": profile.survey,
        "baseline_choices": [(k, o.queue) for k, o in main.options.items() if o.queue],
    }
