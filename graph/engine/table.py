"""The DataFrame an answer's ``.df`` property gives: a pandas DataFrame in every way but one, that
calling it (``result.df()``, as DuckDB's ``.df()`` method is called) says to leave out the
brackets, in place of pandas' "'DataFrame' object is not callable" (joints27 F6).

>>> frame = AnswerFrame({"n": [1, 2]})
>>> frame()
Traceback (most recent call last):
TypeError: .df is a property, not a method: write result.df, without brackets (result.to_dataframe(iris='full') is the method, for IRIs whole)
>>> import pickle
>>> type(frame[frame["n"] > 1]).__name__, type(pickle.loads(pickle.dumps(frame))).__name__
('DataFrame', 'DataFrame')
"""

from __future__ import annotations

import pandas as pd


class AnswerFrame(pd.DataFrame):
    """A pandas DataFrame whose call says that ``.df`` is a property; what is made from it (a
    slice, a copy, a sum) and its pickle are plain DataFrames, so nothing of it outlives the
    answer (a pickle is read without atmpkg installed).

    >>> AnswerFrame({"n": [1]}).copy().__class__.__name__
    'DataFrame'
    """

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    def __call__(self, *args: object, **kwargs: object) -> pd.DataFrame:
        raise TypeError(
            ".df is a property, not a method: write result.df, without brackets "
            "(result.to_dataframe(iris='full') is the method, for IRIs whole)"
        )

    def __reduce__(self):
        return pd.DataFrame(self).__reduce__()
