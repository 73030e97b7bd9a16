"""The RabbitMQ publisher's bookkeeping of publisher confirms (ADR 0032): which messages of a
batch, from its first, the broker acknowledged, whatever order and grouping its answers take."""

from __future__ import annotations

from types import SimpleNamespace

from pika.spec import Basic

from taskhive_shared.messaging.rabbitmq import _Confirms


def sent(count: int) -> _Confirms:
    confirms = _Confirms()
    for _ in range(count):
        confirms.add()
    return confirms


def answer(confirms: _Confirms, method: Basic.Ack | Basic.Nack) -> None:
    confirms.on_confirm(SimpleNamespace(method=method))


def test_a_batch_is_settled_once_every_message_is_answered():
    confirms = sent(3)
    answer(confirms, Basic.Ack(delivery_tag=1))
    assert not confirms.settled()
    answer(confirms, Basic.Ack(delivery_tag=3, multiple=True))
    assert confirms.settled()
    assert confirms.confirmed_after(0) == 3
    assert not confirms.refused


def test_only_the_acknowledged_prefix_counts_when_answers_come_out_of_order():
    confirms = sent(4)
    answer(confirms, Basic.Ack(delivery_tag=1))
    answer(confirms, Basic.Ack(delivery_tag=3))
    assert confirms.confirmed_after(0) == 1
    answer(confirms, Basic.Ack(delivery_tag=2))
    assert confirms.confirmed_after(0) == 3
    assert confirms.confirmed_after(1) == 2, "counted from the batch's first message"


def test_a_refused_message_ends_the_confirmed_prefix():
    confirms = sent(5)
    answer(confirms, Basic.Ack(delivery_tag=2, multiple=True))
    answer(confirms, Basic.Nack(delivery_tag=3))
    answer(confirms, Basic.Ack(delivery_tag=5, multiple=True))
    assert confirms.settled()
    assert confirms.refused
    assert confirms.confirmed_after(0) == 2


def test_a_multiple_nack_refuses_only_what_was_still_unanswered():
    confirms = sent(4)
    answer(confirms, Basic.Ack(delivery_tag=2))
    answer(confirms, Basic.Nack(delivery_tag=4, multiple=True))
    assert confirms.settled()
    assert confirms.confirmed_after(0) == 0
    assert confirms.confirmed_after(1) == 1, "message 2 was acked before the nack"


def test_an_answer_that_arrives_while_its_message_is_being_sent_is_kept():
    confirms = _Confirms()
    confirms.add()  # counted before pika sends it, so its ack cannot come too early
    answer(confirms, Basic.Ack(delivery_tag=1))
    assert confirms.settled()
    assert confirms.confirmed_after(0) == 1
