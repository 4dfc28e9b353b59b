"""``whynolog serve``: the browser app and JSON API over the library API."""
