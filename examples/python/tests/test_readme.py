"""README "From TypeScript and Python": a consumer's test with the Python kit."""
from epmock import Store
from sqs_worker import SqsWorker


def test_the_worker_books_what_the_queue_delivers(epmock: Store) -> None:  # a fresh store
    integration = epmock.create_sqs_integration(["order.paid"])  # an embedded queue
    fired = epmock.trigger("order.paid")
    epmock.wait_for_event("order.paid")  # the long poll, no sleeps

    worker = SqsWorker(integration["configuration"]["url"], endpoint_url=epmock.server.sqs_url,
                       access_key="AKIDEXAMPLE", secret_key="anything")
    worker.poll_once()
    assert list(worker.booked) == [fired["id"]]
