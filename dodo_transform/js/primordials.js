// Placeholder until the captured built-ins for intl.js land.
undefined
