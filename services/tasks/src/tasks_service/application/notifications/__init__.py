"""Task notifications: who is told what (planning), the delivery log, sending them."""
