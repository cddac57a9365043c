(function (P) {
  const fail = function () { throw new RangeError("locale formatting is not available in this build of dodo-transform"); };
  return { dateToLocaleString: fail, dateToLocaleDateString: fail, dateToLocaleTimeString: fail, numberToLocaleString: fail, Intl: {} };
})
