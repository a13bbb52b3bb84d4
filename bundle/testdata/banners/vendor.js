/*! lodash v4.17.21 */
;(function(){ /* vendored copy, hand-written fnguard test input */ })();
/*! jQuery v3.6.0 | (c) OpenJS Foundation and other contributors | jquery.org/license */
(function(){})();
/** @license React v16.13.1
 * react.production.min.js
 *
 * Copyright (c) Facebook, Inc. and its affiliates.
 */
(function(){})();
/*! version : 1.2.3 */
/* left-pad v1.3.0 -- not a legal comment, not evidence */
/*!
 * https://mths.be/punycode v1.4.1 by @mathias
 */
/*! safe-buffer. MIT License. Feross Aboukhadijeh <https://feross.org/opensource> */
