"""dodo-transform: run Dodo Payments webhook handlers in QuickJS and deliver the result."""
